"""Tenant isolation, written once: which companies and customers a user may see.

Every view, API endpoint and export goes through these helpers, so "another company's id
answers 404" is enforced in one place and tested per endpoint.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from ar_dashboard.models import Company, Customer


def companies_for_user(user) -> QuerySet[Company]:
    """Companies the user is a member of; superusers see all."""
    if not user.is_authenticated or not user.is_active:
        return Company.objects.none()
    if user.is_superuser:
        return Company.objects.all()
    return Company.objects.filter(memberships__user=user).distinct()


def company_for_user_or_404(user, company_id: int) -> Company:
    try:
        return companies_for_user(user).get(pk=company_id)
    except Company.DoesNotExist:
        raise Http404("No such company") from None


def customer_for_user_or_404(user, customer_id: int, company: Company | None = None) -> Customer:
    """A customer of one of the user's companies (of `company`, when given)."""
    customers = Customer.objects.filter(company__in=companies_for_user(user))
    if company is not None:
        customers = customers.filter(company=company)
    try:
        return customers.select_related("company").get(pk=customer_id)
    except Customer.DoesNotExist:
        raise Http404("No such customer") from None
