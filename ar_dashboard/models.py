"""The AR ledger as loaded from the source, plus the caches and logs built from it.

Money fields are `Decimal` with 4 decimal places. Document amounts are *signed by their effect
on AR*: an invoice's balance is positive, a credit memo's is negative (unapplied credit), so a
plain SUM over open documents is the receivable.
"""

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from ar_dashboard import aging

MONEY = {"max_digits": 19, "decimal_places": 4}


def validate_aging_edges(value: object) -> None:
    try:
        aging.AgingScheme.from_edges(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(str(exc)) from exc


def validate_timezone(value: object) -> None:
    """An IANA zone name the server knows; anything else would break every page's 'today'."""
    if not isinstance(value, str) or value not in available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone such as Europe/Paris")


def validate_currency(value: object) -> None:
    from babel.numbers import list_currencies

    if not isinstance(value, str) or value not in list_currencies():
        raise ValidationError(f"{value!r} is not an ISO 4217 currency code")


def default_aging_edges() -> list[int]:
    return list(aging.DEFAULT_EDGES)


class Company(models.Model):
    """One QuickBooks realm, reached through one Unified.to connection."""

    name = models.CharField(max_length=200)
    home_currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="IANA zone that decides what 'today' is.",
    )
    unified_connection_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    aging_edges = models.JSONField(
        default=default_aging_edges,
        validators=[validate_aging_edges],
        help_text="Upper day limits of the past-due periods, e.g. [30, 60, 90, 120].",
    )
    aging_basis = models.CharField(
        max_length=10, choices=aging.Basis.choices(), default=aging.Basis.DUE
    )
    remit_to = models.TextField(
        blank=True,
        help_text="Where customers send payment, printed on statements: name, address, bank "
        "details (one item per line).",
    )
    ledger_version = models.PositiveBigIntegerField(
        default=0,
        editable=False,
        help_text="Bumped by every load: summaries and cached answers of an older version "
        "are stale.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name

    @property
    def aging_scheme(self) -> aging.AgingScheme:
        return aging.AgingScheme.from_edges(self.aging_edges)

    @property
    def aging_edges_key(self) -> str:
        """The aging scheme as stored beside summaries built with it, e.g. "30,60,90,120"."""
        return ",".join(str(edge) for edge in self.aging_scheme.edges)

    def local_today(self) -> date:
        """Today's date in the company's own time zone (what its ledger calls today).

        Read at the edges only (views, the pipeline); selectors are given `as_of`/`today`.
        """
        return timezone.localdate(timezone=ZoneInfo(self.timezone))


class Membership(models.Model):
    class Role(models.TextChoices):
        VIEWER = "viewer", "Viewer"
        COLLECTOR = "collector", "Collector"
        ADMIN = "admin", "Admin"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="membership_user_company")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company} ({self.role})"


class Customer(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="customers")
    external_id = models.CharField(max_length=100)
    name = models.CharField(max_length=300)
    email = models.CharField(max_length=254, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    is_active = models.BooleanField(default=True)
    source_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "external_id"], name="customer_company_external_id"
            )
        ]
        indexes = [models.Index(fields=["company", "name"], name="customer_company_name")]

    def __str__(self) -> str:
        return self.name


class Invoice(models.Model):
    """An AR document: an invoice or a credit memo (amounts signed, see module docstring)."""

    class DocType(models.TextChoices):
        INVOICE = "INVOICE", "Invoice"
        CREDITMEMO = "CREDITMEMO", "Credit memo"
        # The part of a customer payment applied to no document: unapplied credit in AR,
        # aged by the payment date (services/allocations.py keeps it; external id "pmt:<id>").
        PAYMENT = "PAYMENT", "Unapplied payment"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invoices")
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices"
    )
    payment = models.OneToOneField(
        "Payment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="unapplied",
        help_text="For an unapplied-payment document: the payment it stands for.",
    )
    external_id = models.CharField(max_length=110)
    external_contact_id = models.CharField(
        max_length=100, blank=True, help_text="Source contact id, kept when it is unknown."
    )
    number = models.CharField(max_length=100, blank=True)
    doc_type = models.CharField(max_length=10, choices=DocType.choices, default=DocType.INVOICE)
    source_status = models.CharField(max_length=20, blank=True)
    posted_on = models.DateField()
    due_on = models.DateField()
    paid_on = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    total = models.DecimalField(**MONEY)
    paid = models.DecimalField(**MONEY, default=0)
    balance = models.DecimalField(**MONEY)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # The date of the latest effective allocation (kept by services/allocations.py). A document
    # whose balance is 0 today was open on `as_of` only if money moved on it after `as_of`.
    last_allocated_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "external_id"], name="invoice_company_external_id"
            )
        ]
        indexes = [
            # Aging today: open documents of a company in one currency, by reference date.
            models.Index(fields=["company", "currency", "due_on"], name="invoice_company_cur_due"),
            models.Index(
                fields=["company", "currency", "posted_on"], name="invoice_company_cur_posted"
            ),
            models.Index(fields=["company", "customer", "currency"], name="invoice_company_cust"),
            # Today's open documents: a small slice of a ledger that is mostly paid.
            models.Index(
                fields=["company", "currency", "due_on"],
                condition=~models.Q(balance=0),
                name="invoice_open_due",
            ),
            # Open on a past as_of although settled now: money moved on it after as_of.
            models.Index(
                fields=["company", "currency", "last_allocated_on"],
                condition=models.Q(balance=0),
                name="invoice_settled_last_alloc",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()} {self.number or self.external_id}"


class Payment(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="payments")
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="payments"
    )
    external_id = models.CharField(max_length=100)
    external_contact_id = models.CharField(max_length=100, blank=True)
    paid_on = models.DateField()
    currency = models.CharField(max_length=3)
    total = models.DecimalField(**MONEY)
    source_status = models.CharField(max_length=20, blank=True)
    reference = models.CharField(max_length=200, blank=True)
    source_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-paid_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "external_id"], name="payment_company_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"Payment {self.external_id} {self.total} {self.currency}"


class Allocation(models.Model):
    """One dated line of money moving onto a document, as one record of the source stated it.

    `amount` is signed so that balance(as_of) = document.balance + Σ amount dated after as_of:
    positive on an invoice (a payment reduced it), negative on a credit memo or an unapplied
    payment (its credit was used). `implied` rows stand for a paid part the source gave
    without dated allocations.

    The same application can be stated by both sides (the payment's `allocations[]` and the
    invoice's `payments[]`; the memo's `applications[]` and a payment's CREDITMEMO line): each
    statement is kept as its own rows, and for every (source, target) pair only the rows of
    the most authoritative statement are `effective` (lowest `rank`). Reads sum effective rows
    only, so nothing is counted twice and a withdrawn statement falls back to the other side.
    """

    class Kind(models.TextChoices):
        PAYMENT = "payment", "Payment"
        CREDIT = "credit", "Credit applied"
        IMPLIED = "implied", "Paid (undated in source)"

    class Rank(models.IntegerChoices):
        SOURCE = 0, "Stated by the source (payment or credit memo)"
        CARRIER = 1, "Stated by a payment carrying a credit memo line"
        TARGET = 2, "Stated by the receiving document"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="allocations")
    document = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="allocations")
    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, null=True, blank=True, related_name="allocations"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    ref = models.CharField(
        max_length=110, help_text="Source of the money: pay:<payment>, cm:<memo>, or implied."
    )
    target = models.CharField(
        max_length=110, blank=True, help_text="External id of the document the money went to."
    )
    stated_by = models.CharField(
        max_length=110,
        default="implied",
        help_text="The record that stated this line: pay:, cm:, doc:, implied.",
    )
    line = models.PositiveIntegerField(
        default=0, help_text="Ordinal among the statement's lines with the same pair and date."
    )
    rank = models.PositiveSmallIntegerField(choices=Rank.choices, default=Rank.SOURCE)
    effective = models.BooleanField(default=True)
    amount = models.DecimalField(**MONEY)
    allocated_on = models.DateField()

    class Meta:
        ordering = ["allocated_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "ref", "target", "stated_by", "allocated_on", "line"],
                name="allocation_statement_line",
            )
        ]
        indexes = [
            models.Index(fields=["document", "allocated_on"], name="allocation_doc_date"),
            models.Index(fields=["company", "ref", "target"], name="allocation_company_pair"),
            models.Index(fields=["company", "target"], name="allocation_company_target"),
            models.Index(fields=["company", "stated_by"], name="allocation_company_stated"),
            # "Is any allocation dated after as_of?" decides the fast path.
            models.Index(fields=["company", "allocated_on"], name="allocation_company_date"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} on {self.allocated_on}"


class BucketAmounts(models.Model):
    """Six bucket columns: bucket_0 is Current, the rest follow the company's aging scheme."""

    currency = models.CharField(max_length=3)
    bucket_0 = models.DecimalField(**MONEY, default=0)
    bucket_1 = models.DecimalField(**MONEY, default=0)
    bucket_2 = models.DecimalField(**MONEY, default=0)
    bucket_3 = models.DecimalField(**MONEY, default=0)
    bucket_4 = models.DecimalField(**MONEY, default=0)
    bucket_5 = models.DecimalField(**MONEY, default=0)
    total = models.DecimalField(**MONEY, default=0)
    overdue = models.DecimalField(**MONEY, default=0)
    open_documents = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    BUCKET_FIELDS = tuple(f"bucket_{i}" for i in range(aging.MAX_BUCKETS))


class ARSummary(BucketAmounts):
    """One customer's aging in one currency as of one stored date (today or a month-end)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="summaries")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="summaries"
    )
    as_of = models.DateField()
    basis = models.CharField(max_length=10, choices=aging.Basis.choices())
    # Served only while the company's ARSnapshot for this as_of, basis and currency is stamped
    # with the current ledger version and aging scheme (summary_reads checks it).
    oldest_days_past_due = models.IntegerField(null=True, blank=True)
    oldest_reference = models.DateField(null=True, blank=True)
    # What summary-stats and aging-distribution need beyond the bucket amounts, per customer.
    count_0 = models.PositiveIntegerField(default=0)
    count_1 = models.PositiveIntegerField(default=0)
    count_2 = models.PositiveIntegerField(default=0)
    count_3 = models.PositiveIntegerField(default=0)
    count_4 = models.PositiveIntegerField(default=0)
    count_5 = models.PositiveIntegerField(default=0)
    at_risk = models.DecimalField(**MONEY, default=0)
    unapplied_credit = models.DecimalField(**MONEY, default=0)
    overdue_invoices = models.PositiveIntegerField(default=0)
    overdue_days = models.BigIntegerField(default=0)
    overdue_amount = models.DecimalField(**MONEY, default=0)
    overdue_weighted_days = models.DecimalField(max_digits=28, decimal_places=4, default=0)
    computed_at = models.DateTimeField(auto_now=True)

    COUNT_FIELDS = tuple(f"count_{i}" for i in range(aging.MAX_BUCKETS))

    class Meta:
        verbose_name = "AR summary"
        verbose_name_plural = "AR summaries"
        indexes = [
            models.Index(fields=["company", "as_of", "currency"], name="arsummary_company_asof"),
            models.Index(fields=["company", "as_of", "customer"], name="arsummary_company_cust"),
            models.Index(
                fields=["company", "as_of", "basis", "currency", "-total"],
                name="arsummary_by_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer or 'Unknown customer'} {self.currency} as of {self.as_of}"


class ARSnapshot(BucketAmounts):
    """A company's aging in one currency at the end of one day, for trends.

    One per day the pipeline runs and per past month-end. Stamped with the ledger version and
    aging scheme it was computed from; `customer_rows` says the per-customer ARSummary rows of
    that day are stored too (and, while the stamps hold, are what the read path serves).
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="snapshots")
    as_of = models.DateField()
    basis = models.CharField(max_length=10, choices=aging.Basis.choices())
    customers_with_balance = models.PositiveIntegerField(default=0)
    reconstructed = models.BooleanField(
        default=False,
        help_text="Computed after the day from the ledger's dated history (a first sync's past "
        "month-ends, or a re-sync that changed history), not recorded on the day.",
    )
    ledger_version = models.PositiveBigIntegerField(default=0)
    edges = models.CharField(max_length=100, blank=True, help_text="The scheme, e.g. 30,60,90,120.")
    customer_rows = models.BooleanField(default=False)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "AR snapshot"
        ordering = ["-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "as_of", "currency", "basis"], name="arsnapshot_unique_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.currency} {self.as_of}"


class StagedBalance(models.Model):
    """Scratch rows of one summary refresh: an open document's balance on one `as_of`.

    Computing a document's past balance costs a lookup of its later allocations; grouping by
    customer straight from the documents repeats that lookup in every aggregate (about twenty).
    The refresh stages each balance once (INSERT … SELECT, inside its transaction) and groups
    these plain rows instead; it deletes them before committing.
    """

    refresh = models.UUIDField()
    as_of = models.DateField()
    document_id = models.BigIntegerField()
    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, null=True, db_constraint=False, related_name="+"
    )
    currency = models.CharField(max_length=3)
    due_on = models.DateField()
    posted_on = models.DateField()
    amount = models.DecimalField(**MONEY)

    class Meta:
        indexes = [
            models.Index(fields=["refresh", "as_of", "currency"], name="stagedbalance_refresh"),
        ]

    def __str__(self) -> str:
        return f"document {self.document_id} {self.amount} {self.currency} on {self.as_of}"


class SyncLog(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCESS = "success", "Success"
        PARTIAL = "partial", "Success with rejected records"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Manual"
        SCHEDULE = "schedule", "Schedule"
        WEBHOOK = "webhook", "Webhook"
        DEMO = "demo", "Demo load"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="sync_logs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    full_sync = models.BooleanField(default=False)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.CharField(max_length=200, blank=True, help_text="Current step, for UIs.")
    counts = models.JSONField(default=dict, blank=True)
    rejected = models.JSONField(default=list, blank=True, help_text="[{object, id, reason}]")
    warnings = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    run_id = models.CharField(max_length=64, blank=True, help_text="Dagster run id, if any.")
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the running sync (its lease)."
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One running and one queued sync per company, enforced by both databases: the
            # lock that keeps two syncs apart and makes a burst of webhooks queue one sync.
            models.UniqueConstraint(
                fields=["company"], condition=models.Q(status="running"), name="synclog_one_running"
            ),
            models.UniqueConstraint(
                fields=["company"], condition=models.Q(status="queued"), name="synclog_one_queued"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "-requested_at"], name="synclog_company_requested"),
            models.Index(fields=["status"], name="synclog_status"),
        ]

    def __str__(self) -> str:
        return f"{self.company} sync {self.requested_at:%Y-%m-%d %H:%M} {self.status}"


class SourceRecord(models.Model):
    """A record exactly as Unified.to sent it, and the hash that says whether it changed.

    Kept apart from the ledger tables so the rows every report scans stay narrow (the JSON
    is most of a document's bytes), and so an incremental sync can skip records it re-reads
    unchanged (the cursor overlap re-reads some by design).
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="source_records")
    object_type = models.CharField(max_length=20)  # contact, invoice, creditmemo, payment
    external_id = models.CharField(max_length=110)
    content_hash = models.CharField(max_length=64)
    raw = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "object_type", "external_id"], name="sourcerecord_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.external_id}"


class StagedRecord(models.Model):
    """A record one sync's extract wrote as it paged, read back in batches by the load.

    The extract and the load are separate steps: the pages go to this table instead of the
    pipeline's memory, so a sync of a million documents holds one batch at a time. Rows belong
    to their sync log and are deleted when it finishes, whatever the outcome.
    """

    sync_log = models.ForeignKey("SyncLog", on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=20)  # contacts, invoices, creditmemos, payments
    external_id = models.CharField(max_length=200)  # "" when the record has no usable id
    raw = models.TextField()  # compact JSON as received

    class Meta:
        indexes = [
            models.Index(fields=["sync_log", "object_type", "id"], name="staged_scan"),
            models.Index(fields=["sync_log", "object_type", "external_id"], name="staged_ids"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.external_id}"


class SyncCursor(models.Model):
    """The `updated_gte` watermark of one object type for one company's incremental sync."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="sync_cursors")
    object_type = models.CharField(max_length=30)
    updated_gte = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "object_type"], name="synccursor_unique")
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.object_type} ≥ {self.updated_gte:%Y-%m-%d %H:%M}"


class ExchangeRate(models.Model):
    """How many units of `home_currency` one unit of `currency` was worth from `rate_date`.

    Consolidated views convert each currency's totals at the latest rate dated on or before
    their `as_of`; with no such rate they refuse (a 400 naming the currency), never assume 1.
    """

    class Source(models.TextChoices):
        MANUAL = "manual", "Entered by hand"
        SYNC = "sync", "Received on a synced document"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="exchange_rates")
    currency = models.CharField(max_length=3, validators=[validate_currency])
    home_currency = models.CharField(
        max_length=3,
        blank=True,
        validators=[validate_currency],
        help_text="The currency the rate converts into; blank = the company's home currency.",
    )
    rate_date = models.DateField()
    rate = models.DecimalField(
        max_digits=20,
        decimal_places=10,
        validators=[MinValueValidator(Decimal("0.0000000001"))],
        help_text="Units of the home currency per one unit of the currency.",
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["currency", "-rate_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "currency", "home_currency", "rate_date"],
                name="exchangerate_company_day",
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchangerate_positive"),
        ]
        indexes = [
            models.Index(
                fields=["company", "home_currency", "currency", "-rate_date"],
                name="exchangerate_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} {self.home_currency} from {self.rate_date}"


class DashboardLayout(models.Model):
    """One user's widget grid for one company: [{"widget", "x", "y", "w", "h"}, …].

    Validated by `ar_dashboard.widgets.clean_layout` before it is saved; no row means the
    catalogue's default layout.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboard_layouts"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="dashboard_layouts")
    layout = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="dashboardlayout_user_company")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company}: {len(self.layout)} widgets"


class WebhookDelivery(models.Model):
    """A webhook delivery already accepted, remembered so a captured copy cannot be replayed.

    `digest` is the delivery's replay key (HMAC-SHA256 of its signed `data + nonce`). Kept for
    WEBHOOK_REPLAY_DAYS (and a day); a copy of an older delivery is refused as stale (its
    records' newest `updated_at` is older than the window), so older rows are deleted as new
    deliveries arrive.
    """

    digest = models.CharField(max_length=64, unique=True, help_text="HMAC-SHA256, hex.")
    connection_id = models.CharField(max_length=255)
    received_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.connection_id} {self.received_at:%Y-%m-%d %H:%M:%S}"
