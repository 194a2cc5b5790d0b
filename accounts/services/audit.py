"""The audit log: every change to a company's setup, who made it, old → new."""

from __future__ import annotations

from accounts.models import AuditEntry
from ar_dashboard.models import Company


def audit_record(
    *, company: Company, user, action: str, field: str = "", old: object = "", new: object = ""
) -> AuditEntry:
    """One entry; values are kept as the text the settings page shows."""
    return AuditEntry.objects.create(
        company=company,
        user=user if getattr(user, "pk", None) else None,
        actor=user.get_username() if getattr(user, "pk", None) else "system",
        action=action,
        field=field,
        old=_text(old),
        new=_text(new),
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
