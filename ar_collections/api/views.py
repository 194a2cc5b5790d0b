"""Collections API: the worklist, and per customer its activities, promises and disputes.

Reads need membership (404 otherwise); every write needs the collector role (403 for a
viewer), checked through adapters.require_collector. Bad input → 400 naming the field.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ar_collections import adapters, presentation, selectors
from ar_collections.api import serializers as io
from ar_collections.models import Dispute
from ar_collections.services import activities, reminders
from ar_dashboard.access import customer_for_user_or_404
from ar_dashboard.api.views import (
    COMMON,
    PAGING,
    ReadView,
    _context,
    created,
    page_params,
    paginate,
    parse_request,
    responses,
)
from ar_dashboard.filters import AsOfField, parse_positive_int
from ar_dashboard.models import Invoice
from config.routers import primary_reads

WORKLIST_PARAMS = ("collector", "band", "promises_due_this_week")


def _valid(serializer_class, data) -> dict:
    """The validated body, or a 400 naming each bad field with a list of messages (the
    documented error shape: a list's bad items are named by position, `item 2: …`)."""
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ValidationError(
            {field: _messages(detail) for field, detail in serializer.errors.items()}
        )
    return serializer.validated_data


def _messages(detail, where: str = "") -> list[str]:
    """Flat messages of one field's errors; nested ones (a list's items) say which item."""
    if isinstance(detail, dict):
        return [m for k, v in detail.items() for m in _messages(v, f"{where}item {k}: ")]
    if isinstance(detail, list):
        return [m for item in detail for m in _messages(item, where)]
    return [f"{where}{detail}"]


def _customer(request, customer_id: str):
    """The customer (404 for a stranger's or a malformed id), read on the primary."""
    try:
        pk = parse_positive_int(customer_id, name="customer_id")
    except ValidationError:
        raise Http404("No such customer") from None
    with primary_reads():
        return customer_for_user_or_404(request.user, pk)


def worklist_params(params) -> selectors.WorklistFilters:
    data = {k: params.get(k) for k in WORKLIST_PARAMS if params.get(k, "") != ""}
    values = _valid(io.WorklistParams, data)
    return selectors.WorklistFilters(
        collector=values.get("collector"),
        band=values.get("band"),
        promises_due_this_week=values.get("promises_due_this_week", False),
    )


class WorklistView(ReadView):
    @extend_schema(
        parameters=[*COMMON, io.WorklistParams, *PAGING], responses=responses(io.WorklistOut)
    )
    def get(self, request):
        company, filters = parse_request(request.query_params, request.user)
        options = worklist_params(request.query_params)
        paging = page_params(request)
        rows = selectors.worklist(
            company=company, filters=filters, user=request.user, options=options
        )
        page, meta = paginate(request, rows, paging)
        keys = list(company.aging_scheme.keys)
        ctx = _context(company, filters)
        data = {
            **ctx,
            **meta,
            "customers": [presentation.worklist_dict(r, keys) for r in page],
        }
        return Response(io.WorklistOut(data, context=ctx).data)


def _activity_dict(activity) -> dict:
    return {
        "id": activity.pk,
        "kind": activity.kind,
        "body": activity.body,
        "author_name": activity.author.get_username() if activity.author else "",
        "occurred_on": activity.occurred_on,
        "created_at": activity.created_at,
        "promise_id": getattr(getattr(activity, "promise", None), "pk", None),
        "dispute_id": getattr(getattr(activity, "dispute", None), "pk", None),
    }


class ActivitiesView(ReadView):
    @extend_schema(parameters=PAGING, responses=responses(io.ActivityPageOut))
    def get(self, request, customer_id: str):
        customer = _customer(request, customer_id)
        paging = page_params(request)
        qs = selectors.customer_activities(company=customer.company, customer=customer)
        page, meta = paginate(request, qs, paging)
        data = {**meta, "activities": [_activity_dict(a) for a in page]}
        return Response(io.ActivityPageOut(data).data)

    @extend_schema(request=io.ActivityIn, responses=created(io.ActivityOut))
    def post(self, request, customer_id: str):
        customer = _customer(request, customer_id)
        adapters.require_collector(request.user, customer.company)
        values = _valid(io.ActivityIn, request.data)
        activity = activities.activity_create(
            customer=customer,
            kind=values["kind"],
            body=values["body"],
            author=request.user,
            occurred_on=values.get("occurred_on") or customer.company.local_today(),
        )
        return Response(io.ActivityOut(_activity_dict(activity)).data, status=201)


class PromisesView(ReadView):
    @extend_schema(
        parameters=[OpenApiParameter("as_of", str, description="Outcome as of (YYYY-MM-DD)")],
        responses=responses(io.PromiseListOut),
    )
    def get(self, request, customer_id: str):
        customer = _customer(request, customer_id)
        as_of = _as_of(request, customer)
        rows = selectors.promises_with_status(
            company=customer.company, as_of=as_of, customer=customer
        )
        data = {"as_of": as_of, "promises": [presentation.promise_dict(r) for r in rows]}
        return Response(io.PromiseListOut(data).data)

    @extend_schema(request=io.PromiseIn, responses=created(io.PromiseOut))
    def post(self, request, customer_id: str):
        customer = _customer(request, customer_id)
        adapters.require_collector(request.user, customer.company)
        values = _valid(io.PromiseIn, request.data)
        today = customer.company.local_today()
        promise = activities.promise_create(
            customer=customer,
            author=request.user,
            made_on=values.get("made_on") or today,
            promised_on=values["promised_on"],
            amount=values["amount"],
            currency=(values.get("currency") or "").upper() or None,
            invoice_ids=values.get("invoices") or [],
            note=values.get("note", ""),
        )
        rows = selectors.promises_with_status(
            company=customer.company, as_of=max(today, promise.made_on), customer=customer
        )
        row = next(r for r in rows if r.id == promise.pk)
        return Response(io.PromiseOut(presentation.promise_dict(row)).data, status=201)


def _as_of(request, customer):
    raw = request.query_params.get("as_of", "")
    if raw == "":
        return customer.company.local_today()
    try:
        return AsOfField().to_internal_value(raw)
    except ValidationError as exc:
        raise ValidationError({"as_of": exc.detail}) from None


class DisputesView(ReadView):
    @extend_schema(responses=responses(io.DisputeListOut))
    def get(self, request, customer_id: str):
        customer = _customer(request, customer_id)
        rows = selectors.customer_disputes(company=customer.company, customer=customer)
        return Response(io.DisputeListOut({"disputes": list(rows)}).data)

    @extend_schema(request=io.DisputeIn, responses=created(io.DisputeOut))
    def post(self, request, customer_id: str):
        customer = _customer(request, customer_id)
        adapters.require_collector(request.user, customer.company)
        values = _valid(io.DisputeIn, request.data)
        invoice = Invoice.objects.filter(
            company=customer.company, customer=customer, pk=values["invoice"]
        ).first()
        if invoice is None:
            raise ValidationError({"invoice": "Must be an invoice of this customer."})
        dispute = activities.dispute_open(
            invoice=invoice,
            reason=values["reason"],
            author=request.user,
            opened_on=values.get("opened_on") or customer.company.local_today(),
        )
        return Response(io.DisputeOut(dispute).data, status=201)


class DisputeResolveView(ReadView):
    @extend_schema(request=io.DisputeResolveIn, responses=responses(io.DisputeOut))
    def post(self, request, customer_id: str, dispute_id: str):
        customer = _customer(request, customer_id)
        adapters.require_collector(request.user, customer.company)
        pk = parse_positive_int(dispute_id, name="dispute_id")
        dispute = Dispute.objects.filter(customer=customer, pk=pk).select_related("invoice").first()
        if dispute is None:
            raise Http404("No such dispute")
        values = _valid(io.DisputeResolveIn, request.data)
        dispute = activities.dispute_resolve(
            dispute=dispute,
            resolution=values.get("resolution", ""),
            author=request.user,
            resolved_on=values.get("resolved_on") or customer.company.local_today(),
        )
        return Response(io.DisputeOut(dispute).data)


def _settings_dict(row) -> dict:
    return {
        "customer_id": row.customer_id,
        "collector_id": row.collector_id,
        "reminders_opt_out": row.reminders_opt_out,
        "reminder_email": row.reminder_email,
    }


class CustomerSettingsView(ReadView):
    @extend_schema(responses=responses(io.CustomerSettingsOut))
    def get(self, request, customer_id: str):
        customer = _customer(request, customer_id)
        row = activities.customer_collections_get(customer=customer)
        return Response(io.CustomerSettingsOut(_settings_dict(row)).data)

    @extend_schema(request=io.CustomerSettingsIn, responses=responses(io.CustomerSettingsOut))
    def patch(self, request, customer_id: str):
        customer = _customer(request, customer_id)
        adapters.require_collector(request.user, customer.company)
        values = _valid(io.CustomerSettingsIn, request.data)
        if "collector" in values:
            activities.customer_assign(customer=customer, collector_id=values["collector"])
        row = activities.customer_reminders_set(
            customer=customer,
            opt_out=values.get("reminders_opt_out"),
            email=values.get("reminder_email"),
        )
        return Response(io.CustomerSettingsOut(_settings_dict(row)).data)


class ReminderPreviewView(ReadView):
    @extend_schema(
        parameters=[
            OpenApiParameter("as_of", str, description="Render as of (YYYY-MM-DD)"),
            OpenApiParameter("stage", int, description="Stage id (default: the reached one)"),
        ],
        responses=responses(io.ReminderPreviewOut),
    )
    def get(self, request, customer_id: str):
        customer = _customer(request, customer_id)
        as_of = _as_of(request, customer)
        stage = _stage(request.query_params, customer, as_of)
        rendered = reminders.reminder_render(
            customer=customer, stage=stage, as_of=as_of, currency=_currency(customer)
        )
        data = {
            "stage_id": stage.pk,
            "stage": stage.name,
            "subject": rendered.subject,
            "body": rendered.body,
            "recipients": rendered.recipients,
            "attachment": rendered.attachment,
        }
        return Response(io.ReminderPreviewOut(data).data)


def _currency(customer) -> str:
    return customer.currency or customer.company.home_currency


def _stage(params, customer, as_of):
    stages = reminders.reminder_cadence_ensure(company=customer.company)
    raw = params.get("stage", "")
    if raw == "":
        return reminders.reminder_stage_for(
            customer=customer, as_of=as_of, currency=_currency(customer)
        )
    pk = parse_positive_int(raw, name="stage")
    for stage in stages:
        if stage.pk == pk:
            return stage
    raise ValidationError({"stage": "Must be a reminder stage of this company."})
