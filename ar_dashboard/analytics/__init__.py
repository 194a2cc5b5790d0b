"""Analytics selectors (issue 15): KPIs, trends, customer health, cash forecast, velocity.

Each module aggregates in SQL and hands sums to the pure formulas in `ar_dashboard.metrics`;
nothing here reads the clock (every function takes `as_of` through `ARFilters`).
"""
