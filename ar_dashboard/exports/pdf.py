"""PDF reports rendered on the server by WeasyPrint: vector pages with selectable text.

Every report opens with its title, the company, the as-of date and the filters, the headline
figures and the aging summary (a table with totals and an SVG bar chart), then its own table,
whose header repeats on every page. Page numbers sit in the footer. Figures are the selectors'
(the same `Report` rows as the CSV and XLSX), formatted in the currency's minor units.
"""

from __future__ import annotations

import functools
import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone

from ar_dashboard import selectors
from ar_dashboard.exports import charts, fit, paging, reports, statement
from ar_dashboard.exports.cells import Cell, amount_text, display
from ar_dashboard.exports.reports import Kind, Report
from ar_dashboard.models import Company, Customer
from ar_dashboard.money import money_display
from ar_dashboard.selectors import ARFilters

# A PDF is read by a person: past this many rows it is a data dump, which CSV and XLSX carry
# better (and WeasyPrint lays out roughly 1,000 rows a second).
MAX_ROWS = 20_000
# Past this many rows the table is printed in parallel pieces (paging.py).
LONG_TABLE_ROWS = 600
# Paper follows the company's home market: US-letter where that is the office standard.
LETTER_CURRENCIES = frozenset({"USD", "CAD", "MXN", "PHP", "CLP", "COP"})


# WeasyPrint logs every layout step of every page at INFO: thousands of lines per report.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class TooManyRows(ValueError):
    """The filters select more rows than a PDF should hold (MAX_ROWS)."""


# Source codes as a reader says them (the CSV and XLSX keep the API's codes).
WORDS = {
    "doc_type": statement.DOC_LABELS,
    "status": {
        "AUTHORIZED": "Open",
        "PARTIALLY_PAID": "Partly paid",
        "OVERDUE": "Overdue",
        "SUBMITTED": "Submitted",
        "PAID": "Paid",
        "PARTIALLY_REFUNDED": "Partly refunded",
        "REFUNDED": "Refunded",
    },
    "disputed": {"yes": "Disputed", "no": ""},
}


# Column widths of the fixed table layout; the amount columns share what is left equally.
WIDTHS = {
    "customer": "21%",
    "invoice_number": "7%",
    "doc_type": "8.5%",
    "invoice_date": "7.5%",
    "due_date": "7.5%",
    "days_overdue": "6%",
    "aging_bucket": "5.5%",
    "status": "8%",
    "invoice_count": "7%",
    "oldest_days_past_due": "7%",
    "disputed": "7.5%",
}


def page_size(company: Company, *, landscape: bool) -> str:
    paper = "letter" if company.home_currency in LETTER_CURRENCIES else "A4"
    return f"{paper} landscape" if landscape else paper


def generated_text(company: Company, generated_at: datetime | None) -> str:
    moment = (generated_at or timezone.now()).astimezone(ZoneInfo(company.timezone))
    return f"{moment:%Y-%m-%d %H:%M} {company.timezone}"


def summary_context(*, company: Company, filters: ARFilters) -> dict:
    """The headline figures and the aging summary every report opens with."""
    stats = selectors.summary_stats(company=company, filters=filters)
    distribution = selectors.aging_distribution(company=company, filters=filters)
    cur = filters.currency
    return {
        "kpis": [
            ("Total AR", money_display(stats.total_ar, cur), f"{stats.total_invoices:,} open"),
            ("Overdue", money_display(stats.total_overdue, cur), _avg_days(stats)),
            (
                "Customers with a balance",
                f"{stats.total_customers:,}",
                f"{stats.at_risk_customers:,} over {selectors.AT_RISK_DAYS} days",
            ),
            ("Unapplied credit", money_display(stats.unapplied_credit, cur), "not yet applied"),
        ],  # fmt: skip
        "buckets": [
            (b.bucket.label, f"{b.documents:,}", display(b.amount, Kind.MONEY, cur))
            for b in distribution.buckets
        ],
        "bucket_total": (f"{stats.total_invoices:,}", amount_text(distribution.total, cur)),
        "chart": charts.aging_bars(distribution, currency=cur),
    }


def _avg_days(stats: selectors.SummaryStats) -> str:
    if stats.avg_days_overdue is None:
        return "nothing overdue"
    return f"avg {stats.avg_days_overdue} days past due"


def report_context(report: Report, *, generated_at: datetime | None) -> dict:
    company, filters = report.company, report.filters
    lines = reports.filter_lines(company, filters)
    shown = {"Company", "As of", "Currency", "Aged by", "Aging periods"}
    return {
        "report": report,
        "company": company,
        "filters": filters,
        "page_size": page_size(company, landscape=report.landscape),
        "generated": generated_text(company, generated_at),
        "basis": dict(lines)["Aged by"],
        "narrowed": [(name, value) for name, value in lines if name not in shown],
        **summary_context(company=company, filters=filters),
    }


def table_context(report: Report) -> dict:
    """The report's own table: header, formatted rows and the stated totals row."""
    cur = report.filters.currency
    hidden = report.extra.get("pdf_hidden", ())
    keep = [i for i, c in enumerate(report.columns) if c.key not in hidden]
    columns = [report.columns[i] for i in keep]
    words = [WORDS.get(c.key, {}) for c in columns]
    rows = [
        _light_row(
            [
                display(said.get(row[i], row[i]), column.kind, cur)
                for i, column, said in zip(keep, columns, words, strict=True)
            ]
        )
        for row in report.rows()
    ]
    stated = report.stated_totals()
    totals = [
        display(stated[c.key], c.kind, cur) if c.key in stated else Cell("", "") for c in columns
    ]
    totals[0] = Cell("Total", "")
    widths = [WIDTHS.get(c.key, "") for c in columns]
    return {"columns": list(zip(columns, widths, strict=True)), "rows": rows, "totals": totals}


BLANK = Cell("", "")


def _light_row(cells: list[Cell]) -> list[Cell]:
    """A table row as the PDF prints it: a zero amount blank, as accountants' aging reports
    leave an empty bucket (the totals row still says "–")."""
    return [BLANK if cell.css == "num zero" else cell for cell in cells]


# The first (customer) column's text width, in ems of the table's 8.5pt font: 21% of US-letter
# landscape's 724pt content width (A4 is wider) less its 8pt padding, and a margin.
FIRST_COLUMN_EM = 16.5


def _fit_first(cell: Cell) -> Cell:
    """The first cell cut to its column (one line a row; fit.py says why not a clip)."""
    return Cell(fit.clip(cell.text, FIRST_COLUMN_EM), cell.css)


def _row_count(report: Report) -> int:
    stats = selectors.summary_stats(company=report.company, filters=report.filters)
    if report.view == "aging-detail":
        return stats.total_invoices
    return stats.total_customers + 1  # a customer netting to zero still has a row


def render_pdf(html: str) -> bytes:
    """HTML → PDF bytes. WeasyPrint (with fontTools) is imported on the first PDF, not by every
    process that loads the URLs: it costs ~40 MB that a CSV or API worker never needs."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def report_pdf(report: Report, *, generated_at: datetime | None = None) -> bytes:
    """The PDF of `report`; TooManyRows when its rows would exceed MAX_ROWS."""
    count = _row_count(report)
    if count > MAX_ROWS:
        raise TooManyRows(
            f"A PDF holds at most {MAX_ROWS:,} rows; these filters select {count:,}. "
            "Narrow them (customer, bucket, min_amount) or export CSV or XLSX."
        )
    context = {**report_context(report, generated_at=generated_at), **table_context(report)}
    rows = context["rows"]
    if len(rows) > LONG_TABLE_ROWS:
        rows = [[_fit_first(row[0]), *row[1:]] for row in rows]
        return paging.render(functools.partial(_html, context, oneline=True), rows)
    return render_pdf(_html(context, rows=rows, first=True, last=True))


def _html(
    context: dict,
    *,
    rows: list,
    first: bool,
    last: bool,
    page_start: int = 1,
    pages_total: int | None = None,
    oneline: bool = False,
) -> str:
    """The report page(s) holding `rows`: the opening block if `first`, totals if `last`."""
    piece = {
        "rows": rows,
        "continued": not first,
        "totals": context["totals"] if last else None,
        "page_start": page_start,
        "pages_total": pages_total,
        "oneline": oneline,
    }
    return render_to_string("ar_dashboard/exports/report.html", {**context, **piece})


def aging_summary_pdf(
    *, company: Company, filters: ARFilters, generated_at: datetime | None = None
) -> bytes:
    """Headline figures, aging chart and table, then every customer across the buckets."""
    report = reports.customer_breakdown(company=company, filters=filters)
    report.view, report.title = "aging-summary", "A/R Aging Summary"
    report.extra["pdf_hidden"] = ("id", "overdue", "invoice_count", "oldest_days_past_due")
    return report_pdf(report, generated_at=generated_at)


def customer_breakdown_pdf(
    *,
    company: Company,
    filters: ARFilters,
    sort: str = reports.DEFAULT_SORT,
    generated_at: datetime | None = None,
) -> bytes:
    report = reports.customer_breakdown(company=company, filters=filters, sort=sort)
    report.extra["pdf_hidden"] = ("id",)
    return report_pdf(report, generated_at=generated_at)


def aging_detail_pdf(
    *, company: Company, filters: ARFilters, generated_at: datetime | None = None
) -> bytes:
    report = reports.aging_detail(company=company, filters=filters)
    # A disputed document says "Disputed" in its own column; the reason is in CSV and XLSX.
    report.extra["pdf_hidden"] = (
        "customer_id", "id", "external_id", "dispute_reason", "dispute_opened_on"
    )  # fmt: skip
    return report_pdf(report, generated_at=generated_at)


def customer_statement_pdf(
    *, customer: Customer, as_of: date, generated_at: datetime | None = None
) -> bytes:
    """A statement of account: the customer's open items on `as_of`, per currency."""
    context = statement.statement_context(customer=customer, as_of=as_of)
    company = customer.company
    context |= {
        "company": company,
        "page_size": page_size(company, landscape=False),
        "generated": generated_text(company, generated_at),
    }
    html = render_to_string("ar_dashboard/exports/statement.html", context)
    return render_pdf(html)
