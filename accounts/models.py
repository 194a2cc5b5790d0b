"""Onboarding records: a company's own settings beside the ledger, invitations, the audit log.

The ledger tables stay in `ar_dashboard`; this app reads them only through its selectors and
`access.py`.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from ar_dashboard.models import Company, Membership


class CompanyProfile(models.Model):
    """What a company sets up about itself that the ledger does not carry (the remit-to
    address is `Company.remit_to`, which the exports read)."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="profile")
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="Month the fiscal year starts (1 = January).",
    )
    logo = models.ImageField(upload_to="logos/", blank=True, help_text="Logo printed on PDFs.")
    sync_schedule_enabled = models.BooleanField(
        default=True, help_text="Off: the daily and 4-hourly syncs skip this company."
    )

    def __str__(self) -> str:
        return f"profile of {self.company}"


class Invitation(models.Model):
    """An emailed invitation to join a company with a role; its link is signed and expires."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Membership.Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} → {self.company} ({self.role})"


class AuditEntry(models.Model):
    """One change to a company's setup: who, when, what, old → new."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="audit_entries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor = models.CharField(max_length=150, help_text="The username at the time.")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=40)
    field = models.CharField(max_length=60, blank=True)
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["company", "-at"], name="auditentry_company_at")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.field}"
