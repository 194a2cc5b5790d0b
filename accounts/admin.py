"""Admin for the onboarding records, limited by role like the ledger's (ar_dashboard/admin.py)."""

from django.contrib import admin

from accounts import models
from ar_dashboard.admin import CompanyScopedAdmin


@admin.register(models.CompanyProfile)
class CompanyProfileAdmin(CompanyScopedAdmin):
    list_display = ["company", "fiscal_year_start_month", "sync_schedule_enabled"]
    search_fields = ["company__name"]


@admin.register(models.Invitation)
class InvitationAdmin(CompanyScopedAdmin):
    list_display = ["email", "company", "role", "created_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "company__name"]


@admin.register(models.AuditEntry)
class AuditEntryAdmin(CompanyScopedAdmin):
    """The audit log is evidence: nobody edits or deletes it here."""

    list_display = ["at", "company", "actor", "action", "field", "old", "new"]
    list_filter = ["action"]
    search_fields = ["actor", "field", "company__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
