"""Output serializers: they present what selectors computed; they never sum or bucket."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ar_dashboard.money import money_str


@extend_schema_field(
    {"type": "string", "format": "decimal", "example": "1234.50", "description": "Money"}
)
class MoneyField(serializers.Field):
    """A decimal string in the response currency's minor units (from the serializer context)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return None if value is None else money_str(value, self.context["currency"])


class _Base(serializers.Serializer):
    company = serializers.IntegerField(help_text="Company id the figures belong to.")
    currency = serializers.CharField(help_text="ISO 4217 code every amount here is in.")
    as_of = serializers.DateField(help_text="Date the ledger was aged as of.")
    basis = serializers.CharField(help_text="Aging basis: due or posted.")


class SummaryStatsSerializer(_Base):
    total_customers = serializers.IntegerField()
    total_ar = MoneyField()
    total_overdue = MoneyField()
    # No digit cap: credits can bring total AR near zero while overdue invoices stay, so the
    # ratio has no upper bound (a cap made DRF raise on such ledgers).
    overdue_percentage = serializers.DecimalField(
        max_digits=None, decimal_places=2, allow_null=True
    )
    total_invoices = serializers.IntegerField()
    avg_days_overdue = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    avg_days_overdue_weighted = serializers.DecimalField(
        max_digits=9, decimal_places=1, allow_null=True
    )
    at_risk_customers = serializers.IntegerField()
    unapplied_credit = MoneyField()
    currencies = serializers.ListField(child=serializers.CharField())


class BucketSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    min_days = serializers.IntegerField(allow_null=True)
    max_days = serializers.IntegerField(allow_null=True)
    amount = MoneyField()
    invoice_count = serializers.IntegerField()


class AgingDistributionSerializer(_Base):
    distribution = serializers.DictField(child=serializers.CharField(), help_text="label → amount")
    buckets = BucketSerializer(many=True)
    total = MoneyField()


class CustomerRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="Customer id; null = unknown.")
    customer = serializers.CharField()
    total_outstanding = MoneyField()
    overdue = MoneyField()
    invoice_count = serializers.IntegerField()
    oldest_days_past_due = serializers.IntegerField(allow_null=True)
    buckets = serializers.DictField(child=serializers.CharField(), help_text="key → amount")


class DisputeMarkSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="What the customer disputes.")
    opened_on = serializers.DateField(help_text="The day the dispute was recorded.")


class InvoiceRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    invoice_number = serializers.CharField()
    doc_type = serializers.CharField()
    invoice_date = serializers.DateField()
    due_date = serializers.DateField()
    total_amount = MoneyField()
    amount_due = MoneyField()
    days_overdue = serializers.IntegerField()
    aging_bucket = serializers.CharField()
    aging_bucket_key = serializers.CharField()
    status = serializers.CharField()
    warnings = serializers.ListField(child=serializers.CharField())
    disputed = serializers.BooleanField(
        help_text="In an open dispute (collections): skipped by reminders until resolved."
    )
    dispute = DisputeMarkSerializer(allow_null=True, help_text="The open dispute, if any.")


class _Page(_Base):
    count = serializers.IntegerField(help_text="Rows over all pages.")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.CharField(allow_null=True, help_text="URL of the next page, if any.")
    previous = serializers.CharField(allow_null=True, help_text="URL of the previous page.")


class CustomerBreakdownSerializer(_Page):
    customers = CustomerRowSerializer(many=True)


class InvoiceDetailsSerializer(_Page):
    customer = serializers.CharField(help_text="Customer name (or 'Unknown customer').")
    customer_id = serializers.IntegerField(allow_null=True, help_text="null = unknown customer.")
    total_outstanding = MoneyField()
    invoices = InvoiceRowSerializer(many=True)


class PipelineRunSerializer(serializers.Serializer):
    runId = serializers.CharField()  # noqa: N815 — the seed's JSON keys
    status = serializers.CharField()
    startTime = serializers.FloatField(allow_null=True)  # noqa: N815
    endTime = serializers.FloatField(allow_null=True)  # noqa: N815
    company = serializers.IntegerField()
    trigger = serializers.CharField(required=False)
    progress = serializers.CharField(required=False, allow_blank=True)
    error = serializers.CharField(required=False, allow_blank=True)
    counts = serializers.DictField(required=False)
    rejected = serializers.IntegerField(required=False)


class PipelineStatusSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="success, failure, running or unknown")
    message = serializers.CharField()
    jobName = serializers.CharField()  # noqa: N815
    source = serializers.CharField(help_text="dagster or sync_log: which source answered")
    runs = PipelineRunSerializer(many=True)
    lastSuccessAt = serializers.FloatField(  # noqa: N815
        allow_null=True, help_text="Unix time the last successful sync finished (null: never)"
    )
    warning = serializers.CharField(
        allow_blank=True, help_text="Why the figures may be out of date; empty when current"
    )


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


# A 400 names each bad parameter: {"as_of": ["Must be between …"]} (or a plain string).
PARAM_ERRORS = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
    },
    "example": {"as_of": ["Must be between 1900-01-01 and 2199-12-31."]},
}
