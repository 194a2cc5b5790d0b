"""Export endpoints: parse the filters (the API's definition), build the report, send the file.

`/ar/export/<view>.<csv|xlsx|pdf>` and `/ar/customers/<id>/statement.pdf`. A bad parameter
answers 400 `{"param": ["message"]}`; another company's company or customer answers 404.

XLSX and PDF files are built whole before a byte is sent, so a server out of disk space (the
workbook's temporary files, the PDF renderer's) answers 503 with a message, never half a file.
A CSV streams: once its first rows are sent the status cannot change, so a failure mid-way
aborts the download (the client sees it cut off, not a short file that looks complete) and is
logged with how far it got.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET
from rest_framework.exceptions import ValidationError

from ar_dashboard import selectors
from ar_dashboard.access import customer_for_user_or_404
from ar_dashboard.exports import csv, pdf, reports, xlsx
from ar_dashboard.filters import parse_filters, read_positive_int
from ar_dashboard.services.sync_failures import is_disk_full
from config.routers import read_primary_if_replica_behind

logger = logging.getLogger(__name__)
DISK_FULL_MESSAGE = (
    "The server ran out of disk space while building this export, so no file was sent. "
    "Try again later; if it keeps failing, ask your administrator to free disk space."
)

FORMATS = ("csv", "xlsx", "pdf")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": xlsx.MIME,
    "pdf": "application/pdf",
}


def _errors(detail) -> dict[str, list[str]]:
    """{param: [message, …]}, the API's 400 body."""
    if not isinstance(detail, dict):
        detail = {"non_field_errors": detail}
    return {
        name: [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]
        for name, messages in detail.items()
    }


def parse_sort(params, company) -> str:
    """The customer-breakdown `sort`, as the API takes it (400 naming `sort` otherwise)."""
    sort = params.get("sort") or reports.DEFAULT_SORT
    allowed = set(selectors.CUSTOMER_SORTS) | set(company.aging_scheme.keys)
    if sort.removeprefix("-") not in allowed:
        raise ValidationError({"sort": f"Must be one of {', '.join(sorted(allowed))}."})
    return sort


def parse_bom(params) -> bool:
    raw = params.get("bom", "")
    if raw not in ("", "0", "1"):
        raise ValidationError({"bom": "Must be 1 (write a UTF-8 byte order mark) or 0."})
    return raw == "1"


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"  # ledger figures: not for shared caches
    return response


def disk_full_answers_503(view: Callable) -> Callable:
    """A view whose file could not be written for lack of space answers 503 saying so."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (OSError, DatabaseError) as exc:
            if not is_disk_full(exc):
                raise
            logger.error("export %s failed, disk full: %s", request.path, exc)
            response = JsonResponse({"detail": DISK_FULL_MESSAGE}, status=503)
            response["Retry-After"] = "300"
            return response

    return wrapped


def logged_stream(chunks: Iterator[str], *, path: str) -> Iterator[str]:
    """`chunks`, logging an error (how much was sent, and why) if the stream breaks off."""
    sent = 0
    try:
        for chunk in chunks:
            yield chunk
            sent += len(chunk)
    except Exception as exc:
        reason = "disk full" if is_disk_full(exc) else type(exc).__name__
        logger.error(
            "CSV export %s aborted after %d characters (%s): %s; the download is incomplete",
            path,
            sent,
            reason,
            exc,
        )
        raise


def _filename(report: reports.Report, fmt: str) -> str:
    f = report.filters
    name = slugify(report.company.name) or "company"
    return f"{name}-{report.view}-{f.as_of.isoformat()}-{f.currency}.{fmt}"


@require_GET
@login_required
@disk_full_answers_503
def export(request, view: str, fmt: str):
    if view not in reports.VIEWS or fmt not in FORMATS:
        raise Http404("No such export")
    try:
        company, filters = parse_filters(request.GET, request.user)
        sort = parse_sort(request.GET, company) if view == "customer-breakdown" else None
        bom = parse_bom(request.GET) if fmt == "csv" else False
    except ValidationError as exc:
        return JsonResponse(_errors(exc.detail), status=400)
    read_primary_if_replica_behind(company)
    options = {"sort": sort} if sort else {}
    report = reports.build(view, company=company, filters=filters, **options)
    filename = _filename(report, fmt)
    if fmt == "csv":
        stream = logged_stream(csv.stream(csv.report_rows(report), bom=bom), path=request.path)
        response = StreamingHttpResponse(stream, content_type=CONTENT_TYPES["csv"])
        return _attachment(response, filename)
    if fmt == "xlsx":
        body = xlsx.report_xlsx(report, generated_at=timezone.now())
        return _attachment(HttpResponse(body, content_type=xlsx.MIME), filename)
    try:
        body = _pdf(view, company=company, filters=filters, **options)
    except pdf.TooManyRows as exc:
        return JsonResponse({"format": [str(exc)]}, status=400)
    return _attachment(HttpResponse(body, content_type=CONTENT_TYPES["pdf"]), filename)


def _pdf(view: str, **kwargs) -> bytes:
    render = {
        "aging-summary": pdf.aging_summary_pdf,
        "customer-breakdown": pdf.customer_breakdown_pdf,
        "aging-detail": pdf.aging_detail_pdf,
    }[view]
    return render(**kwargs, generated_at=timezone.now())


@require_GET
@login_required
@disk_full_answers_503
def customer_statement(request, customer_id: str):
    """The customer's statement of account as of `as_of` (default the company's today)."""
    try:
        pk = read_positive_int(customer_id)
    except ValueError as exc:
        return JsonResponse({"customer_id": [str(exc)]}, status=400)
    customer = customer_for_user_or_404(request.user, pk)
    params = request.GET.copy()
    params["company"], params["customer"] = str(customer.company_id), str(pk)
    try:
        company, filters = parse_filters(params, request.user)
    except ValidationError as exc:
        return JsonResponse(_errors(exc.detail), status=400)
    read_primary_if_replica_behind(company)
    body = pdf.customer_statement_pdf(
        customer=customer, as_of=filters.as_of, generated_at=timezone.now()
    )
    name = slugify(customer.name) or "customer"
    filename = f"statement-{name}-{filters.as_of.isoformat()}.pdf"
    return _attachment(HttpResponse(body, content_type=CONTENT_TYPES["pdf"]), filename)
