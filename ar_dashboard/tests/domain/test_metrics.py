"""Each KPI formula on a hand-computed example; the arithmetic is in the docstrings."""

from datetime import date
from decimal import Decimal as D

import pytest

from ar_dashboard import metrics as m


@pytest.mark.parametrize(
    ("ar", "sales", "days", "expected"),
    [
        # 30-day period: 45,000 ÷ 60,000 × 30 = 22.5
        (D("45000"), D("60000"), 30, D("22.5")),
        # 90-day period: 45,000 ÷ 150,000 × 90 = 27.0
        (D("45000"), D("150000"), 90, D("27.0")),
        # 365-day period: 45,000 ÷ 600,000 × 365 = 27.375 → 27.4 (half-up)
        (D("45000"), D("600000"), 365, D("27.4")),
        # 100 ÷ 300 × 30 = 9.999… → 10.0
        (D("100"), D("300"), 30, D("10.0")),
    ],
)
def test_standard_dso(ar, sales, days, expected):
    assert m.dso(ar, sales, days) == expected


def test_dso_without_sales_is_none():
    assert m.dso(D("500"), D("0"), 30) is None


def test_best_possible_dso_and_add():
    """AR 45,000 of which 15,000 current; sales 150,000 over 90 days.

    DSO = 45,000 ÷ 150,000 × 90 = 27.0; BPDSO = 15,000 ÷ 150,000 × 90 = 9.0; ADD = 18.0.
    """
    dso = m.dso(D("45000"), D("150000"), 90)
    bpdso = m.best_possible_dso(D("15000"), D("150000"), 90)
    assert (dso, bpdso) == (D("27.0"), D("9.0"))
    assert m.average_days_delinquent(dso, bpdso) == D("18.0")
    assert m.average_days_delinquent(None, bpdso) is None


def test_countback_dso_walks_back_months():
    """AR 50,000 on 30 June; sales June 20,000 (30 d), May 25,000 (31 d), April 30,000 (30 d).

    June consumes 20,000 → 30,000 left, 30 days; May consumes 25,000 → 5,000 left, 61 days;
    April: 5,000 ÷ 30,000 × 30 = 5 days → 66.0.
    """
    months = [
        m.MonthSales(D("20000"), 30),
        m.MonthSales(D("25000"), 31),
        m.MonthSales(D("30000"), 30),
    ]
    assert m.countback_dso(D("50000"), months) == D("66.0")


def test_countback_dso_inside_the_first_month():
    """AR 4,000, June sales 12,000 over 30 days: 4,000 ÷ 12,000 × 30 = 10.0."""
    assert m.countback_dso(D("4000"), [m.MonthSales(D("12000"), 30)]) == D("10.0")


def test_countback_dso_skips_a_month_without_sales_and_gives_up_past_history():
    """A month with no sales counts its days whole: 31 + 3,000 ÷ 9,000 × 30 = 41.0.

    AR 100 with only 50 of sales in the history given cannot be counted back: None.
    """
    months = [m.MonthSales(D("0"), 31), m.MonthSales(D("9000"), 30)]
    assert m.countback_dso(D("3000"), months) == D("41.0")
    assert m.countback_dso(D("100"), [m.MonthSales(D("50"), 30)]) is None
    assert m.countback_dso(D("-5"), []) == D("0.0")


def test_cei_monthly():
    """Beginning 40,000, sales 60,000, ending AR 45,000, ending current 15,000.

    (40,000 + 60,000 − 45,000) ÷ (40,000 + 60,000 − 15,000) × 100 = 55,000 ÷ 85,000 × 100
    = 64.705… → 64.71.
    """
    assert m.cei(D("40000"), D("60000"), D("45000"), D("15000")) == D("64.71")


def test_cei_for_a_period_chains_the_months():
    """Jan: begin 10,000, sales 5,000; Feb: sales 7,000, ending AR 9,000, ending current 4,000.

    (10,000 + 12,000 − 9,000) ÷ (10,000 + 12,000 − 4,000) × 100 = 13,000 ÷ 18,000 × 100
    = 72.22…; January's own ending figures do not enter the period's CEI.
    """
    months = [
        m.CEIMonth(D("10000"), D("5000"), D("11000"), D("5000")),
        m.CEIMonth(D("11000"), D("7000"), D("9000"), D("4000")),
    ]
    assert m.cei_for_period(months) == D("72.22")
    assert m.cei_for_period([]) is None
    assert m.cei(D("0"), D("0"), D("0"), D("0")) is None


def test_payment_velocity_simple_and_weighted():
    """Two paid invoices:
    A: posted 1 Jan, due 31 Jan, paid 10 Feb, 1,000 → 40 days to pay, 10 days late;
    B: posted 1 Feb, due 3 Mar, paid 1 Mar, 3,000 → 28 days to pay, −2 days late (early).

    Days to pay: simple (40 + 28) ÷ 2 = 34.0; weighted (40×1,000 + 28×3,000) ÷ 4,000 = 31.0.
    Days late: simple (10 − 2) ÷ 2 = 4.0; weighted (10×1,000 − 2×3,000) ÷ 4,000 = 1.0.
    """
    rows = [
        m.PaidInvoice(date(2026, 1, 1), date(2026, 1, 31), date(2026, 2, 10), D("1000")),
        m.PaidInvoice(date(2026, 2, 1), date(2026, 3, 3), date(2026, 3, 1), D("3000")),
    ]
    assert m.velocity(rows) == m.Velocity(
        invoices_paid=2,
        amount_paid=D("4000"),
        avg_days_to_pay=D("34.0"),
        avg_days_to_pay_weighted=D("31.0"),
        avg_days_late=D("4.0"),
        avg_days_late_weighted=D("1.0"),
    )
    assert m.velocity([]).avg_days_late is None


def test_receivables_turnover_and_percent_current():
    """Sales 60,000; AR 40,000 → 45,000: average 42,500; 60,000 ÷ 42,500 = 1.411… → 1.41.

    % current: 15,000 ÷ 45,000 × 100 = 33.33.
    """
    assert m.receivables_turnover(D("60000"), D("40000"), D("45000")) == D("1.41")
    assert m.receivables_turnover(D("1"), D("0"), D("0")) is None
    assert m.percent_current(D("15000"), D("45000")) == D("33.33")
    assert m.percent_current(D("1"), D("0")) is None


def _inputs(**overrides) -> m.RiskInputs:
    values = {
        "balance": D("10000"),
        "over_60": D("0"),
        "over_90": D("0"),
        "company_ar": D("100000"),
        "avg_days_late": None,
        "recent_days_late": None,
        "earlier_days_late": None,
        "oldest_days_past_due": None,
        "days_since_payment": 5,
    }
    return m.RiskInputs(**{**values, **overrides})


def test_risk_score_of_a_customer_who_stopped_paying():
    """Balance 10,000: 8,000 over 60 days, 6,000 over 90; company AR 100,000; 45 days late on
    average, 50 recently vs 20 before; oldest invoice 150 days past due; last paid 100 days ago.

    over_60 0.8 × 25 = 20; over_90 0.6 × 25 = 15; days late 45 ÷ 60 = 0.75 × 20 = 15;
    trend (50 − 20) ÷ 30 = 1 × 10 = 10; share 0.10 ÷ 0.25 = 0.4 × 10 = 4; broken 1 × 10 = 10.
    Score 20 + 15 + 15 + 10 + 4 + 10 = 74 → high.
    """
    score = m.risk_score(
        _inputs(
            over_60=D("8000"),
            over_90=D("6000"),
            avg_days_late=D("45"),
            recent_days_late=D("50"),
            earlier_days_late=D("20"),
            oldest_days_past_due=150,
            days_since_payment=100,
        )
    )
    assert (score.score, score.band) == (74, "high")
    points = {f.factor: f.points for f in score.factors}
    assert points == {
        "over_60": D("20.00"),
        "over_90": D("15.00"),
        "days_late": D("15.00"),
        "lateness_trend": D("10.00"),
        "share_of_ar": D("4.00"),
        "broken_pattern": D("10.00"),
    }
    assert sum(m.RISK_WEIGHTS.values()) == 100


def test_risk_score_of_a_slow_payer_is_medium_and_a_prompt_one_low():
    """Slow: 3,000 of 10,000 over 60 (0.3 × 25 = 7.5), 1,000 over 90 (0.1 × 25 = 2.5),
    36 days late (0.6 × 20 = 12), trend 25 − 30 < 0 → 0, share 0.1 → 4, paid 10 days ago → 0:
    7.5 + 2.5 + 12 + 4 = 26 → low. Slower: 5,000 over 60 (0.5 × 25 = 12.5), 4,000 over 90
    (0.4 × 25 = 10), 45 days late (0.75 × 20 = 15), share 4: 12.5 + 10 + 15 + 4 = 41.5 → 42
    (half-up) → medium.
    Prompt: nothing overdue, 2 days early (negative lateness scales to 0), share 0.1: 4 → low.
    """
    slow = _inputs(
        over_60=D("3000"),
        over_90=D("1000"),
        avg_days_late=D("36"),
        recent_days_late=D("25"),
        earlier_days_late=D("30"),
        oldest_days_past_due=70,
        days_since_payment=10,
    )
    assert (m.risk_score(slow).score, m.risk_score(slow).band) == (26, "low")
    slower = _inputs(over_60=D("5000"), over_90=D("4000"), avg_days_late=D("45"))
    assert (m.risk_score(slower).score, m.risk_score(slower).band) == (42, "medium")
    prompt = m.risk_score(_inputs(avg_days_late=D("-2")))
    assert (prompt.score, prompt.band) == (4, "low")


@pytest.mark.parametrize(
    ("score", "band"),
    [(0, "low"), (29, "low"), (30, "medium"), (59, "medium"), (60, "high"), (100, "high")],
)
def test_risk_band_edges(score, band):
    assert m.risk_band(score) == band


def test_forecast_periods_from_as_of():
    """As of Tue 30 June 2026: week 1 is 1–7 July, week 13 is 23–29 Sept (1 + 12×7 = 85 days
    on); month 1 is July, month 6 December."""
    weeks = m.forecast_weeks(date(2026, 6, 30))
    assert (weeks[0].start, weeks[0].end) == (date(2026, 7, 1), date(2026, 7, 7))
    assert (weeks[12].start, weeks[12].end) == (date(2026, 9, 23), date(2026, 9, 29))
    assert weeks[0].offsets(date(2026, 6, 30)) == (1, 7)
    months = m.forecast_months(date(2026, 6, 15))
    assert (months[0].label, months[0].start, months[0].end) == (
        "2026-06",
        date(2026, 6, 16),
        date(2026, 6, 30),
    )
    assert (months[5].label, months[5].end) == ("2026-11", date(2026, 11, 30))


def test_expected_date_and_doubtful():
    """Due 10 June, customer 12.5 days late on average → 13 whole days → 23 June.
    As of 9 Oct an invoice due 10 June is 121 days past due: doubtful; due 11 June (120): not."""
    assert m.whole_days(D("12.5")) == 13
    assert m.whole_days(D("-2.5")) == -3
    # From the unrounded ratio: 12.46 days → 12 (via one decimal, 12.5, it would be 13).
    assert m.whole_days_of(D("1246"), D("100")) == 12
    assert m.whole_days_of(D("5"), D("0")) is None
    assert m.expected_payment_date(date(2026, 6, 10), 13) == date(2026, 6, 23)
    assert m.is_doubtful(date(2026, 6, 10), date(2026, 10, 9))
    assert not m.is_doubtful(date(2026, 6, 11), date(2026, 10, 9))


def test_months_ending_on_as_of():
    """Three months to 15 March 2026: Jan (31 d), Feb (28 d), 1–15 March."""
    assert m.months_ending(date(2026, 3, 15), 3) == [
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 15)),
    ]


def test_forecast_bins():
    """As of 30 June: 100 expected 2 days ago (offset −2), 200 on 3 July (3: week 1, July),
    300 on 8 July (8: week 2), 400 on 30 Sept (92: past week 13, in September),
    500 on 1 Jan 2027 (185: after December → later).

    Weeks: [200, 300, 0 …]; months: Jul 500, Aug 0, Sep 400, Oct–Dec 0; past 100; later 500.
    """
    bins = m.forecast_bins(
        [(-2, D("100")), (3, D("200")), (8, D("300")), (92, D("400")), (185, D("500"))],
        date(2026, 6, 30),
    )
    assert bins.weeks == (D("200"), D("300"), *[D("0")] * 11)
    assert bins.months == (D("500"), D("0"), D("400"), D("0"), D("0"), D("0"))
    assert (bins.past_expected, bins.later) == (D("100"), D("500"))
