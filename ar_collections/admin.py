"""Admin: the cadence and its templates are edited here (and the sent log is read here).

Scoped like the ledger's (ar_dashboard/admin.py): a staff user who is not a superuser sees and
changes only rows of companies they are an admin of.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm

from ar_collections import cadence
from ar_collections.models import (
    Activity,
    CollectionSettings,
    CustomerCollections,
    Dispute,
    Promise,
    ReminderMessage,
    ReminderStage,
)
from ar_dashboard.admin import CompanyScopedAdmin


class ReminderStageForm(ModelForm):
    class Meta:
        model = ReminderStage
        fields = (
            "company",
            "name",
            "days_after_due",
            "subject",
            "body",
            "attach_statement",
            "is_active",
        )

    def clean(self):
        data = super().clean()
        for name in ("subject", "body"):
            error = cadence.check_template(data.get(name) or "")
            if error:
                raise ValidationError({name: f"Template error: {error}"})
        return data


@admin.register(ReminderStage)
class ReminderStageAdmin(CompanyScopedAdmin):
    form = ReminderStageForm
    list_display = ("company", "name", "days_after_due", "is_active", "attach_statement")
    list_filter = ("company", "is_active")


@admin.register(ReminderMessage)
class ReminderMessageAdmin(CompanyScopedAdmin):
    list_display = ("created_at", "company", "customer", "stage", "status", "attempts")
    list_filter = ("status", "company")
    search_fields = ("customer__name", "subject", "last_error")
    readonly_fields = [f.name for f in ReminderMessage._meta.fields]


@admin.register(CollectionSettings)
class CollectionSettingsAdmin(CompanyScopedAdmin):
    list_display = ("company", "reminders_enabled", "report_enabled", "report_frequency")


@admin.register(CustomerCollections)
class CustomerCollectionsAdmin(CompanyScopedAdmin):
    list_display = ("customer", "company", "collector", "reminders_opt_out")
    list_filter = ("company", "reminders_opt_out")
    search_fields = ("customer__name",)
    raw_id_fields = ("customer",)


@admin.register(Activity)
class ActivityAdmin(CompanyScopedAdmin):
    list_display = ("occurred_on", "company", "customer", "kind", "author")
    list_filter = ("kind", "company")
    search_fields = ("customer__name", "body")
    raw_id_fields = ("customer",)


@admin.register(Promise)
class PromiseAdmin(CompanyScopedAdmin):
    """Read-only: the outcome is computed from payments, never edited."""

    list_display = ("customer", "amount", "currency", "made_on", "promised_on")
    readonly_fields = [f.name for f in Promise._meta.fields] + ["invoices"]


@admin.register(Dispute)
class DisputeAdmin(CompanyScopedAdmin):
    list_display = ("invoice", "customer", "opened_on", "resolved_on")
    raw_id_fields = ("invoice", "customer", "activity")
