"""Writes of the onboarding app, one module per concern (connect, sync, settings, members, data)."""

from accounts.services.audit import audit_record
from accounts.services.sync_requests import sync_now_request

__all__ = ["audit_record", "sync_now_request"]
