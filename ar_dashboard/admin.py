"""Admin: search and filters for every model; ledger rows are read-only (they come from sync).

Roles apply here too (access.py): a staff user who is not a superuser sees and changes only
the rows of companies they are an admin of; superusers see everything.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model

from ar_dashboard import models
from ar_dashboard.access import companies_for_user

ADMIN = models.Membership.Role.ADMIN


class CompanyScopedAdmin(admin.ModelAdmin):
    """Django's model permissions, and on top of them the company role: rows only of the
    companies where the staff user is an admin (superusers: all)."""

    company_lookup = "company"

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        admin_of = companies_for_user(request.user, ADMIN)
        return rows.filter(**{f"{self.company_lookup}__in": admin_of})

    def _in_scope(self, request, obj) -> bool:
        if request.user.is_superuser:
            return True
        if obj is None:
            return companies_for_user(request.user, ADMIN).exists()
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def get_list_filter(self, request):
        # The company filter lists only companies with rows in the (scoped) list: the plain
        # one would show every company's name.
        return [
            ("company", admin.RelatedOnlyFieldListFilter) if name == "company" else name
            for name in super().get_list_filter(request)
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Every choice (and every id typed into a raw-id box) is limited to the staff user's
        # companies: a customer, invoice or stage of another company is not a valid value.
        if not request.user.is_superuser:
            related = db_field.related_model
            admin_of = companies_for_user(request.user, ADMIN)
            if related is models.Company:
                kwargs["queryset"] = admin_of
            elif related is get_user_model():
                kwargs["queryset"] = related.objects.filter(
                    memberships__company__in=admin_of
                ).distinct()
            elif any(field.name == "company" for field in related._meta.get_fields()):
                kwargs["queryset"] = related._default_manager.filter(company__in=admin_of)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return super().has_module_permission(request) and self._in_scope(request, None)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)


class ReadOnlyLedgerAdmin(CompanyScopedAdmin):
    """Ledger rows mirror the source; editing them here would be overwritten by the next sync."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.Company)
class CompanyAdmin(CompanyScopedAdmin):
    company_lookup = "pk"

    list_display = ["name", "home_currency", "timezone", "unified_connection_id", "aging_basis"]
    search_fields = ["name", "unified_connection_id"]
    list_filter = ["home_currency", "aging_basis"]
    inlines = [MembershipInline]


@admin.register(models.Membership)
class MembershipAdmin(CompanyScopedAdmin):
    list_display = ["user", "company", "role", "created_at"]
    list_filter = ["role", "company"]
    search_fields = ["user__username", "user__email", "company__name"]
    autocomplete_fields = ["user", "company"]


@admin.register(models.Customer)
class CustomerAdmin(ReadOnlyLedgerAdmin):
    list_display = ["name", "company", "external_id", "email", "currency", "source_updated_at"]
    list_filter = ["company", "currency", "is_active"]
    search_fields = ["name", "external_id", "email"]
    list_select_related = ["company"]


@admin.register(models.Invoice)
class InvoiceAdmin(ReadOnlyLedgerAdmin):
    list_display = [
        "number",
        "external_id",
        "doc_type",
        "customer",
        "company",
        "source_status",
        "posted_on",
        "due_on",
        "currency",
        "total",
        "balance",
    ]
    list_filter = ["company", "doc_type", "source_status", "currency"]
    search_fields = ["number", "external_id", "external_contact_id", "customer__name"]
    date_hierarchy = "due_on"
    list_select_related = ["customer", "company"]


@admin.register(models.Payment)
class PaymentAdmin(ReadOnlyLedgerAdmin):
    list_display = [
        "external_id",
        "customer",
        "company",
        "paid_on",
        "currency",
        "total",
        "source_status",
    ]
    list_filter = ["company", "currency", "source_status"]
    search_fields = ["external_id", "reference", "customer__name"]
    date_hierarchy = "paid_on"
    list_select_related = ["customer", "company"]


@admin.register(models.Allocation)
class AllocationAdmin(ReadOnlyLedgerAdmin):
    list_display = ["document", "ref", "kind", "amount", "allocated_on", "company"]
    list_filter = ["company", "kind"]
    search_fields = ["ref", "document__number", "document__external_id"]
    list_select_related = ["document", "company"]


@admin.register(models.ARSummary)
class ARSummaryAdmin(ReadOnlyLedgerAdmin):
    list_display = [
        "customer",
        "company",
        "currency",
        "as_of",
        "total",
        "overdue",
        "open_documents",
    ]
    list_filter = ["company", "currency", "as_of"]
    search_fields = ["customer__name"]
    list_select_related = ["customer", "company"]


@admin.register(models.ARSnapshot)
class ARSnapshotAdmin(ReadOnlyLedgerAdmin):
    list_display = ["company", "as_of", "currency", "total", "overdue", "customers_with_balance"]
    list_filter = ["company", "currency"]
    search_fields = ["company__name"]
    date_hierarchy = "as_of"


@admin.register(models.SyncLog)
class SyncLogAdmin(ReadOnlyLedgerAdmin):
    list_display = ["company", "trigger", "status", "full_sync", "requested_at", "finished_at"]
    list_filter = ["company", "status", "trigger"]
    search_fields = ["company__name", "error", "run_id"]
    date_hierarchy = "requested_at"


@admin.register(models.SyncCursor)
class SyncCursorAdmin(ReadOnlyLedgerAdmin):
    list_display = ["company", "object_type", "updated_gte"]
    list_filter = ["company", "object_type"]
    search_fields = ["company__name"]


@admin.register(models.ExchangeRate)
class ExchangeRateAdmin(CompanyScopedAdmin):
    """Rates are entered here per company (consolidated views read the latest one dated on or
    before their as_of); `home_currency` defaults to the company's."""

    list_display = ["company", "currency", "home_currency", "rate_date", "rate", "source"]
    list_filter = ["company", "currency", "source"]
    search_fields = ["company__name", "currency"]
    date_hierarchy = "rate_date"
    autocomplete_fields = ["company"]

    def save_model(self, request, obj, form, change):
        if not obj.home_currency:
            obj.home_currency = obj.company.home_currency
        super().save_model(request, obj, form, change)
