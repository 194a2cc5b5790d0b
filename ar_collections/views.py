"""Collections pages: the worklist, a customer's collections page, the reminder preview.

Views parse, call a selector or a service, render. Writes are POST forms that redirect back
(with a message); they need the collector role like the API's.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from rest_framework.exceptions import ValidationError

from ar_collections import adapters, presentation, selectors
from ar_collections.adapters import XLSX
from ar_collections.api import serializers as io
from ar_collections.api.views import _customer, _stage, _valid, worklist_params
from ar_collections.exports import worklist_report
from ar_collections.models import Dispute, ReminderStage
from ar_collections.services import activities, reminders
from ar_dashboard import selectors as ar_selectors
from ar_dashboard.access import companies_for_user
from ar_dashboard.exports import csv as csv_export
from ar_dashboard.exports import xlsx as xlsx_export
from ar_dashboard.filters import AsOfField, parse_filters
from ar_dashboard.models import Invoice
from ar_dashboard.pages.common import _messages_by_param


def _bad_request(request, exc: ValidationError):
    errors = _messages_by_param(exc.detail)
    return render(request, "ar_dashboard/bad_request.html", {"errors": errors}, status=400)


@require_safe
@login_required
def worklist(request):
    companies = list(companies_for_user(request.user))
    if not companies:
        return render(request, "ar_dashboard/no_company.html")
    params = request.GET.copy()
    params.setdefault("company", str(companies[0].pk))
    try:
        company, filters = parse_filters(params, request.user)
        options = worklist_params(params)
        if params.get("format", "html") not in ("html", "csv", "xlsx"):
            raise ValidationError({"format": "Must be html, csv or xlsx."})
    except ValidationError as exc:
        return _bad_request(request, exc)
    rows = selectors.worklist(company=company, filters=filters, user=request.user, options=options)
    if params.get("format") in ("csv", "xlsx"):
        return _worklist_file(company, filters, rows, params["format"])
    keys = list(company.aging_scheme.keys)
    context = {
        "companies": companies,
        "company": company,
        "filters": filters,
        "options": options,
        "rows": [presentation.worklist_dict(r, keys) for r in rows],
        "buckets": company.aging_scheme.buckets,
        "currencies": ar_selectors.currencies_in_use(company=company),
        "collectors": activities.collectors_of(company),
        "bands": ["low", "medium", "high"],
        "query": params.urlencode(),
        "today": company.local_today(),
    }
    return render(request, "ar_collections/worklist.html", context)


def _worklist_file(company, filters, rows, fmt: str) -> HttpResponse:
    """The worklist as the exports package writes every view: CSV or XLSX."""
    report = worklist_report(company=company, filters=filters, rows=rows)
    name = f"collections-worklist-{filters.as_of}-{filters.currency}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.writer(response)
        for line in csv_export.report_rows(report):
            writer.writerow(line)
    else:
        content = xlsx_export.report_xlsx(report, generated_at=timezone.now())
        response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_safe
@login_required
def customer_page(request, customer_id: str):
    customer = _customer(request, customer_id)
    company = customer.company
    currency = customer.currency or company.home_currency
    try:
        as_of = _date(request.GET.get("as_of", ""), company.local_today(), "as_of")
    except ValidationError as exc:
        return _bad_request(request, exc)
    filters = ar_selectors.ARFilters(
        as_of=as_of, today=company.local_today(), currency=currency, customer=customer.pk
    )
    disputed = selectors.open_dispute_invoice_ids(company=company)
    documents = list(ar_selectors.customer_documents(company=company, filters=filters))
    context = {
        "company": company,
        "customer": customer,
        "as_of": as_of,
        "currency": currency,
        "documents": documents,
        "disputed": disputed,
        "activities": selectors.customer_activities(company=company, customer=customer)[:100],
        "promises": selectors.promises_with_status(company=company, as_of=as_of, customer=customer),
        "disputes": selectors.customer_disputes(company=company, customer=customer),
        "settings": activities.customer_collections_get(customer=customer),
        "collectors": activities.collectors_of(company),
        "stages": reminders.reminder_cadence_ensure(company=company),
        "next": request.get_full_path(),
    }
    return render(request, "ar_collections/customer.html", context)


def _date(raw: str, default, name: str):
    if raw == "":
        return default
    try:
        return AsOfField().to_internal_value(raw)
    except ValidationError as exc:
        raise ValidationError({name: exc.detail}) from None


def _back(request, customer):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("ar_collections:customer", customer_id=customer.pk)


def _write(request, customer_id: str, action) -> HttpResponse:
    """Role check, run `action(customer)`, then back with a success or error message."""
    customer = _customer(request, customer_id)
    adapters.require_collector(request.user, customer.company)
    try:
        done = action(customer)
    except ValidationError as exc:
        for param, texts in _messages_by_param(exc.detail).items():
            messages.error(request, f"{param}: {' '.join(texts)}")
    else:
        messages.success(request, done)
    return _back(request, customer)


def _form(request) -> dict:
    """The POSTed fields, with the invoice checkboxes as a list."""
    data = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "next")}
    data = {k: v for k, v in data.items() if v != ""}
    if request.POST.getlist("invoices"):
        data["invoices"] = request.POST.getlist("invoices")
    return data


@require_POST
@login_required
def activity_add(request, customer_id: str):
    def action(customer):
        values = _valid(io.ActivityIn, _form(request))
        activities.activity_create(
            customer=customer,
            kind=values["kind"],
            body=values["body"],
            author=request.user,
            occurred_on=values.get("occurred_on") or customer.company.local_today(),
        )
        return f"{values['kind'].capitalize()} logged for {customer.name}."

    return _write(request, customer_id, action)


@require_POST
@login_required
def promise_add(request, customer_id: str):
    def action(customer):
        values = _valid(io.PromiseIn, _form(request))
        promise = activities.promise_create(
            customer=customer,
            author=request.user,
            made_on=values.get("made_on") or customer.company.local_today(),
            promised_on=values["promised_on"],
            amount=values["amount"],
            currency=(values.get("currency") or "").upper() or None,
            invoice_ids=values.get("invoices") or [],
            note=values.get("note", ""),
        )
        return (
            f"Promise of {promise.amount.normalize():f} {promise.currency} by "
            f"{promise.promised_on} recorded for {customer.name}."
        )

    return _write(request, customer_id, action)


@require_POST
@login_required
def dispute_add(request, customer_id: str):
    def action(customer):
        values = _valid(io.DisputeIn, _form(request))
        invoice = Invoice.objects.filter(customer=customer, pk=values["invoice"]).first()
        if invoice is None:
            raise ValidationError({"invoice": "Must be an invoice of this customer."})
        activities.dispute_open(
            invoice=invoice,
            reason=values["reason"],
            author=request.user,
            opened_on=values.get("opened_on") or customer.company.local_today(),
        )
        return f"Invoice {invoice.number} is now in dispute: reminders skip it."

    return _write(request, customer_id, action)


@require_POST
@login_required
def dispute_resolve(request, customer_id: str, dispute_id: int):
    def action(customer):
        dispute = Dispute.objects.filter(customer=customer, pk=dispute_id).first()
        if dispute is None:
            raise ValidationError({"dispute": "No such dispute for this customer."})
        values = _valid(io.DisputeResolveIn, _form(request))
        activities.dispute_resolve(
            dispute=dispute,
            resolution=values.get("resolution", ""),
            author=request.user,
            resolved_on=values.get("resolved_on") or customer.company.local_today(),
        )
        return "Dispute resolved."

    return _write(request, customer_id, action)


@require_POST
@login_required
def settings_update(request, customer_id: str):
    def action(customer):
        data = _form(request)
        data["reminders_opt_out"] = "reminders_opt_out" in request.POST
        if data.get("collector") in (None, "none"):
            data["collector"] = None
        values = _valid(io.CustomerSettingsIn, data)
        activities.customer_assign(customer=customer, collector_id=values.get("collector"))
        activities.customer_reminders_set(
            customer=customer,
            opt_out=values["reminders_opt_out"],
            email=values.get("reminder_email", ""),
        )
        return "Collection settings saved."

    return _write(request, customer_id, action)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def reminder_preview(request, customer_id: str):
    customer = _customer(request, customer_id)
    company = customer.company
    currency = customer.currency or company.home_currency
    try:
        as_of = _date(request.GET.get("as_of", ""), company.local_today(), "as_of")
        stage = _stage(request.GET, customer, as_of)
    except ValidationError as exc:
        return _bad_request(request, exc)
    if request.method == "POST":
        adapters.require_collector(request.user, company)
        try:
            message = reminders.reminder_send_now(
                customer=customer, stage=stage, as_of=as_of, currency=currency
            )
        except ValidationError as exc:
            for param, texts in _messages_by_param(exc.detail).items():
                messages.error(request, f"{param}: {' '.join(texts)}")
        else:
            outcome = "sent" if message.status == "sent" else f"not sent ({message.last_error})"
            level = messages.SUCCESS if message.status == "sent" else messages.ERROR
            messages.add_message(
                request, level, f"Reminder to {', '.join(message.recipients)} {outcome}."
            )
        return redirect("ar_collections:customer", customer_id=customer.pk)
    rendered = reminders.reminder_render(
        customer=customer, stage=stage, as_of=as_of, currency=currency
    )
    context = {
        "company": company,
        "customer": customer,
        "stage": stage,
        "stages": ReminderStage.objects.filter(company=company, is_active=True),
        "rendered": rendered,
        "as_of": as_of,
    }
    return render(request, "ar_collections/reminder_preview.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def company_settings(request):
    """The company's reminder cadence (texts) and scheduled report: admins edit, others read."""
    from ar_collections.forms import SettingsForm, StageFormSet

    companies = list(companies_for_user(request.user))
    if not companies:
        return render(request, "ar_dashboard/no_company.html")
    params = request.GET.copy()
    params.setdefault("company", str(companies[0].pk))
    try:
        company, _ = parse_filters(params, request.user)
    except ValidationError as exc:
        return _bad_request(request, exc)
    settings_row = reminders.collection_settings_get(company=company)
    reminders.reminder_cadence_ensure(company=company)
    stages = ReminderStage.objects.filter(company=company).order_by("days_after_due")
    data = request.POST if request.method == "POST" else None
    form = SettingsForm(data, instance=settings_row, prefix="s")
    formset = StageFormSet(data, queryset=stages, prefix="st")
    if request.method == "POST":
        adapters.require_admin(request.user, company)
        if form.is_valid() and formset.is_valid():
            form.save()
            for stage in formset.save(commit=False):
                stage.company = company
                stage.save()
            messages.success(request, "Collections settings saved.")
            return redirect(f"{request.path}?company={company.pk}")
    context = {"company": company, "form": form, "formset": formset}
    return render(request, "ar_collections/settings.html", context)
