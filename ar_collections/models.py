"""Collections: who chases which customer, what was said and promised, and what was emailed.

These rows are the collectors' own work, never ledger data: the ledger (invoices, payments)
is read through `ar_dashboard`'s selectors. Promise outcomes are not stored: they are computed
from the payments the pipeline loaded (selectors.promises_with_status), so no one can mark a
promise kept by hand and no sync leaves a stale status behind.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from ar_dashboard.models import MONEY, Company, Customer, Invoice

USER = settings.AUTH_USER_MODEL


class CustomerCollections(models.Model):
    """A customer's collection settings: its collector, reminder opt-out and address."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="collections")
    collector = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_customers"
    )
    reminders_opt_out = models.BooleanField(
        default=False, help_text="Send this customer no reminder emails."
    )
    reminder_email = models.CharField(
        max_length=254, blank=True, help_text="Reminders go here; blank: the customer's email."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "customer collection settings"
        verbose_name_plural = "customer collection settings"
        indexes = [models.Index(fields=["company", "collector"], name="collections_collector")]

    def __str__(self) -> str:
        return f"{self.customer} ({self.collector or 'unassigned'})"


class Activity(models.Model):
    """One thing a collector did or learnt about a customer, in time order."""

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        CALL = "call", "Call"
        EMAIL = "email", "Email sent"
        PROMISE = "promise", "Promise to pay"
        DISPUTE = "dispute", "Dispute"
        REMINDER = "reminder", "Reminder email"

    # Kinds that count as contact with the customer (lower its priority for a while).
    CONTACT_KINDS = (Kind.CALL, Kind.EMAIL, Kind.PROMISE, Kind.REMINDER)

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    body = models.TextField(blank=True)
    author = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    occurred_on = models.DateField(help_text="The day it happened (company time zone).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["company", "customer", "-occurred_on"], name="activity_customer")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer} {self.occurred_on}"


class Promise(models.Model):
    """A customer's promise to pay `amount` by `promised_on` (for some invoices, or in all)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="promises")
    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="promise")
    made_on = models.DateField(help_text="Payments from this day on count towards it.")
    promised_on = models.DateField()
    counts_until = models.DateField(
        help_text="promised_on plus the grace days: later payments do not keep the promise."
    )
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    invoices = models.ManyToManyField(Invoice, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["promised_on", "id"]
        indexes = [models.Index(fields=["company", "promised_on"], name="promise_company_date")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
            models.CheckConstraint(
                condition=Q(promised_on__gte=models.F("made_on")), name="promise_after_made"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.amount} {self.currency} by {self.promised_on}"


class Dispute(models.Model):
    """An invoice the customer disputes: marked in the aging report, skipped by reminders."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="disputes")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="disputes")
    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="dispute")
    reason = models.TextField()
    opened_on = models.DateField()
    resolved_on = models.DateField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            # One open dispute per invoice: a second would say nothing the first does not.
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(resolved_on__isnull=True),
                name="dispute_one_open_per_invoice",
            )
        ]

    def __str__(self) -> str:
        return f"Dispute {self.invoice} ({'resolved' if self.resolved_on else 'open'})"


class CollectionSettings(models.Model):
    """A company's reminder and scheduled-report settings."""

    class Frequency(models.TextChoices):
        DAILY = "daily", "Every business day"
        WEEKLY = "weekly", "Weekly"

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="collection_settings"
    )
    reminders_enabled = models.BooleanField(default=True)
    reminder_from_email = models.CharField(
        max_length=254, blank=True, help_text="Blank: DEFAULT_FROM_EMAIL."
    )
    report_enabled = models.BooleanField(default=False)
    report_recipients = models.TextField(blank=True, help_text="Email addresses, one per line.")
    report_frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    report_weekday = models.PositiveSmallIntegerField(
        default=0, help_text="0 = Monday … 6 = Sunday (weekly reports)."
    )
    report_last_sent_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "collection settings"
        verbose_name_plural = "collection settings"

    def __str__(self) -> str:
        return f"Collection settings of {self.company}"

    @property
    def recipients(self) -> list[str]:
        return [line.strip() for line in self.report_recipients.splitlines() if line.strip()]


class ReminderStage(models.Model):
    """One step of a company's reminder cadence: days relative to the due date, and its text.

    `subject` and `body` are Django templates (plain text) rendered with `customer`,
    `company`, `stage`, `items` (open documents, oldest first), `total` and `as_of`.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="reminder_stages")
    name = models.CharField(max_length=100)
    days_after_due = models.IntegerField(help_text="Negative: days before the due date.")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    attach_statement = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["company", "days_after_due"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "days_after_due"], name="reminderstage_company_days"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.days_after_due:+d} days)"


class ReminderMessage(models.Model):
    """One reminder email to one customer for one stage: the sent log (and the retry queue)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will retry)"
        GAVE_UP = "gave_up", "Failed (gave up)"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="reminders")
    stage = models.ForeignKey(ReminderStage, on_delete=models.PROTECT, related_name="messages")
    run_on = models.DateField(help_text="The as-of date of the run that created it.")
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=300)
    body = models.TextField(help_text="As rendered when first due: a retry sends the same text.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "status"], name="remindermessage_status")]

    def __str__(self) -> str:
        return f"{self.stage} → {self.customer} ({self.status})"


class ReminderItem(models.Model):
    """An invoice a reminder message is about: a stage goes once per invoice, ever."""

    message = models.ForeignKey(ReminderMessage, on_delete=models.CASCADE, related_name="items")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(ReminderStage, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invoice", "stage"], name="reminderitem_once")
        ]

    def __str__(self) -> str:
        return f"{self.invoice} at {self.stage}"
