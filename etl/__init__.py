"""Dagster code location of the AR pipeline: `dagster dev -m etl.definitions`."""
