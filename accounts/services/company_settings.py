"""Company settings: one transaction per save, each changed field written to the audit log."""

from __future__ import annotations

from django.db import transaction

from accounts.models import CompanyProfile
from accounts.services.audit import audit_record
from ar_dashboard.models import Company

COMPANY_FIELDS = ("name", "home_currency", "timezone", "aging_edges", "aging_basis", "remit_to")
PROFILE_FIELDS = ("fiscal_year_start_month", "sync_schedule_enabled")


def company_settings_update(*, company: Company, user, values: dict) -> list[str]:
    """Apply validated `values` (the settings form's cleaned data); the fields that changed.

    `logo` is a new upload, `logo_clear` removes the logo; absent keys are left alone.
    """
    profile, _ = CompanyProfile.objects.get_or_create(company=company)
    changed: list[tuple[str, object, object]] = []
    for owner, fields in ((company, COMPANY_FIELDS), (profile, PROFILE_FIELDS)):
        for name in fields:
            if name in values and getattr(owner, name) != values[name]:
                changed.append((name, getattr(owner, name), values[name]))
                setattr(owner, name, values[name])
    if values.get("logo"):
        changed.append(("logo", profile.logo.name, values["logo"].name))
        profile.logo = values["logo"]
    elif values.get("logo_clear") and profile.logo:
        changed.append(("logo", profile.logo.name, ""))
        profile.logo = ""
    if not changed:
        return []
    with transaction.atomic():
        company.full_clean()
        company.save()
        profile.full_clean()
        profile.save()
        for name, old, new in changed:
            audit_record(
                company=company, user=user, action="settings.changed", field=name, old=old, new=new
            )
    return [name for name, _, _ in changed]
