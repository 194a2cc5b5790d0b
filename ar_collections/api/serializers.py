"""Input and output serializers of the collections API (output only presents selector rows)."""

from rest_framework import serializers

from ar_collections.models import Activity
from ar_dashboard.api.serializers import MoneyField
from ar_dashboard.filters import AmountField, AsOfField, IdField

MAX_TEXT = 5000


class WorklistParams(serializers.Serializer):
    collector = serializers.CharField(
        required=False, help_text="'me', 'unassigned' or a user id: only their customers."
    )
    band = serializers.ChoiceField(
        choices=["low", "medium", "high"], required=False, help_text="Risk band."
    )
    promises_due_this_week = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Only customers with an open promise due Monday–Sunday of as_of's week.",
    )

    def validate_collector(self, value: str) -> int | str:
        if value in ("me", "unassigned"):
            return value
        return IdField().to_internal_value(value)


class ActivityIn(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[Activity.Kind.NOTE, Activity.Kind.CALL, Activity.Kind.EMAIL]
    )
    body = serializers.CharField(max_length=MAX_TEXT)
    occurred_on = AsOfField(required=False, help_text="Default: the company's today.")


class PromiseIn(serializers.Serializer):
    amount = AmountField()
    promised_on = AsOfField()
    made_on = AsOfField(required=False, help_text="Default: the company's today.")
    currency = serializers.CharField(required=False, max_length=3)
    invoices = serializers.ListField(child=IdField(), required=False, max_length=500)
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)


class DisputeIn(serializers.Serializer):
    invoice = IdField()
    reason = serializers.CharField(max_length=MAX_TEXT)
    opened_on = AsOfField(required=False)


class DisputeResolveIn(serializers.Serializer):
    resolution = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    resolved_on = AsOfField(required=False)


class CustomerSettingsIn(serializers.Serializer):
    collector = IdField(required=False, allow_null=True, help_text="User id; null unassigns.")
    reminders_opt_out = serializers.BooleanField(required=False)
    reminder_email = serializers.EmailField(required=False, allow_blank=True)


class PromiseOut(serializers.Serializer):
    id = serializers.IntegerField()
    customer_id = serializers.IntegerField()
    made_on = serializers.DateField()
    promised_on = serializers.DateField()
    amount = serializers.CharField(help_text="Money in the promise's currency, minor units.")
    paid = serializers.CharField(
        help_text="Payments loaded towards it from made_on to promised_on + grace days."
    )
    currency = serializers.CharField()
    status = serializers.ChoiceField(choices=["open", "kept", "broken"])
    invoice_ids = serializers.ListField(child=serializers.IntegerField())
    note = serializers.CharField()
    author = serializers.CharField()


class ActivityOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    body = serializers.CharField()
    author = serializers.CharField(source="author_name")
    occurred_on = serializers.DateField()
    created_at = serializers.DateTimeField()
    promise_id = serializers.IntegerField(allow_null=True)
    dispute_id = serializers.IntegerField(allow_null=True)


class DisputeOut(serializers.Serializer):
    id = serializers.IntegerField()
    invoice_id = serializers.IntegerField()
    invoice_number = serializers.CharField(source="invoice.number")
    reason = serializers.CharField()
    opened_on = serializers.DateField()
    resolved_on = serializers.DateField(allow_null=True)
    resolution = serializers.CharField()


class CustomerSettingsOut(serializers.Serializer):
    customer_id = serializers.IntegerField()
    collector_id = serializers.IntegerField(allow_null=True)
    reminders_opt_out = serializers.BooleanField()
    reminder_email = serializers.CharField()


class PromiseBrief(serializers.Serializer):
    id = serializers.IntegerField()
    promised_on = serializers.DateField()
    amount = serializers.CharField()
    paid = serializers.CharField()
    currency = serializers.CharField()
    status = serializers.CharField()


class WorklistRowOut(serializers.Serializer):
    id = serializers.IntegerField(source="customer_id")
    customer = serializers.CharField(source="customer_name")
    priority = serializers.DecimalField(max_digits=None, decimal_places=2)
    next_action = serializers.CharField(source="action.value")
    next_action_label = serializers.CharField(source="action.label")
    band = serializers.CharField(allow_null=True)
    collector_id = serializers.IntegerField(allow_null=True)
    collector = serializers.CharField()
    mine = serializers.BooleanField()
    total_outstanding = MoneyField()
    overdue = MoneyField()
    buckets = serializers.DictField(child=serializers.CharField())
    oldest_days_past_due = serializers.IntegerField(source="days_past_due", allow_null=True)
    last_contact = serializers.DateField(allow_null=True)
    open_promise = PromiseBrief(allow_null=True)
    broken_promise = PromiseBrief(allow_null=True)
    open_disputes = serializers.IntegerField()
    email = serializers.CharField()
    reminders_opt_out = serializers.BooleanField()


class WorklistOut(serializers.Serializer):
    company = serializers.IntegerField()
    currency = serializers.CharField()
    as_of = serializers.DateField()
    basis = serializers.CharField()
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    customers = WorklistRowOut(many=True)


class PageOut(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)


class ActivityPageOut(PageOut):
    activities = ActivityOut(many=True)


class PromiseListOut(serializers.Serializer):
    currency = serializers.CharField(required=False)
    as_of = serializers.DateField()
    promises = PromiseOut(many=True)


class DisputeListOut(serializers.Serializer):
    disputes = DisputeOut(many=True)


class ReminderPreviewOut(serializers.Serializer):
    stage_id = serializers.IntegerField()
    stage = serializers.CharField()
    subject = serializers.CharField()
    body = serializers.CharField()
    recipients = serializers.ListField(child=serializers.CharField())
    attachment = serializers.CharField(allow_null=True)
