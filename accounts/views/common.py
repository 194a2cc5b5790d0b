"""What every onboarding page does first: find the company in the request, check the role."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from ar_dashboard.access import companies_for_user, company_for_user_or_404, require_role
from ar_dashboard.filters import read_positive_int
from ar_dashboard.models import Company


class BadParam(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name, self.message = name, message


def company_from_request(request, role: str) -> Company:
    """`company` from the form or query (default: the user's first company), role checked.

    404 for a company the user is not a member of, 403 for a role too low, BadParam (→ 400)
    for a company id that is not a positive whole number.
    """
    raw = request.POST.get("company") or request.GET.get("company") or ""
    if raw == "":
        company = companies_for_user(request.user).order_by("name", "pk").first()
        if company is None:
            raise Http404("No company")
    else:
        try:
            company_id = read_positive_int(raw)
        except ValueError as exc:
            raise BadParam("company", str(exc)) from None
        company = company_for_user_or_404(request.user, company_id)
    require_role(request.user, company, role)
    return company


def bad_request(request, errors: dict[str, list[str]]) -> HttpResponse:
    return render(request, "ar_dashboard/bad_request.html", {"errors": errors}, status=400)
