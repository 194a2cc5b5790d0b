"""Tenant isolation and roles, written once: which companies a user may see, and do what in.

Every view, API endpoint and export goes through these helpers, so "another company's id
answers 404" is enforced in one place and tested per endpoint. Roles rank viewer < collector <
admin: a viewer reads, a collector also writes collection activity, an admin also edits the
company (settings, members, connection, data). A member whose role is too low gets 403; an
outsider gets 404, never learning that the company exists. Superusers act as admins everywhere.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from ar_dashboard.models import Company, Customer, Membership

Role = Membership.Role
ROLE_RANK = {Role.VIEWER: 1, Role.COLLECTOR: 2, Role.ADMIN: 3}


def role_at_least(role: str, minimum: str) -> bool:
    """Whether `role` grants everything `minimum` does."""
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[minimum]


def roles_at_least(minimum: str) -> list[str]:
    return [role for role in ROLE_RANK if role_at_least(role, minimum)]


def _signed_in(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def companies_for_user(user, role: str = Role.VIEWER) -> QuerySet[Company]:
    """Companies where the user's role is at least `role`; superusers see all."""
    if not _signed_in(user):
        return Company.objects.none()
    if user.is_superuser:
        return Company.objects.all()
    return Company.objects.filter(
        memberships__user=user, memberships__role__in=roles_at_least(role)
    ).distinct()


def membership_for_user_or_404(user, company: Company) -> Membership:
    """The user's membership of `company` (superuser: an unsaved admin one); 404 otherwise."""
    if _signed_in(user) and user.is_superuser:
        found = Membership.objects.filter(user=user, company=company).first()
        return found or Membership(user=user, company=company, role=Role.ADMIN)
    membership = None
    if _signed_in(user):
        membership = Membership.objects.filter(user=user, company=company).first()
    if membership is None:
        raise Http404("No such company")
    if user.is_superuser:
        membership.role = Role.ADMIN
    return membership


def require_role(user, company: Company, role: str) -> Membership:
    """The user's membership if its role is at least `role`: 404 outsider, 403 role too low."""
    membership = membership_for_user_or_404(user, company)
    if user.is_superuser:
        return membership
    if not role_at_least(membership.role, role):
        raise PermissionDenied(f"This needs the {Role(role).label.lower()} role")
    return membership


def company_for_user_or_404(user, company_id: int, role: str = Role.VIEWER) -> Company:
    """A company the user belongs to (404 otherwise) with at least `role` (403 otherwise)."""
    try:
        company = companies_for_user(user).get(pk=company_id)
    except Company.DoesNotExist:
        raise Http404("No such company") from None
    if role != Role.VIEWER:
        require_role(user, company, role)
    return company


def customer_for_user_or_404(user, customer_id: int, company: Company | None = None) -> Customer:
    """A customer of one of the user's companies (of `company`, when given)."""
    customers = Customer.objects.filter(company__in=companies_for_user(user))
    if company is not None:
        customers = customers.filter(company=company)
    try:
        return customers.select_related("company").get(pk=customer_id)
    except Customer.DoesNotExist:
        raise Http404("No such customer") from None
