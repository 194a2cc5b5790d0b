"""Members (admins): invite by email, set roles, remove; invitations accepted by link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import InviteForm, RoleForm, SignUpForm
from accounts.selectors import invitations_open, members_list
from accounts.services.members import (
    InvitationInvalid,
    MemberChangeRefused,
    invitation_accept,
    invitation_create,
    invitation_for_token,
    membership_remove,
    membership_role_set,
)
from accounts.views.common import BadParam, bad_request, company_from_request
from ar_dashboard.filters import read_positive_int
from ar_dashboard.models import Company, Membership

ADMIN = Membership.Role.ADMIN


def _members_url(company: Company) -> str:
    return f"{reverse('accounts:members')}?company={company.pk}"


def _page(request, company: Company, invite_form: InviteForm, status: int = 200):
    context = {
        "company": company,
        "members": members_list(company=company),
        "invitations": invitations_open(company=company),
        "invite_form": invite_form,
        "roles": Membership.Role.choices,
    }
    return render(request, "accounts/members.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def members_page(request):
    try:
        company = company_from_request(request, ADMIN)
    except BadParam as exc:
        return bad_request(request, {exc.name: [exc.message]})
    if request.method != "POST":
        return _page(request, company, InviteForm())
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _page(request, company, form, status=400)
    invitation_create(
        company=company,
        user=request.user,
        email=form.cleaned_data["email"],
        role=form.cleaned_data["role"],
        accept_url=lambda token: request.build_absolute_uri(
            reverse("accounts:invitation", args=[token])
        ),
    )
    messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
    return redirect(_members_url(company))


def _membership(request, company: Company, membership_id: str) -> Membership:
    try:
        pk = read_positive_int(membership_id)
    except ValueError as exc:
        raise BadParam("member", str(exc)) from None
    found = Membership.objects.select_related("user").filter(pk=pk, company=company).first()
    if found is None:
        raise Http404("No such member")
    return found


@require_POST
@login_required
def member_change(request, membership_id: str, action: str):
    """POST …/role/ (role=…) or …/remove/: last-admin protection in the service."""
    try:
        company = company_from_request(request, ADMIN)
        membership = _membership(request, company, membership_id)
    except BadParam as exc:
        return bad_request(request, {exc.name: [exc.message]})
    try:
        if action == "remove":
            membership_remove(company=company, user=request.user, membership=membership)
            messages.success(request, f"{membership.user.get_username()} removed.")
        else:
            form = RoleForm(request.POST)
            if not form.is_valid():
                return bad_request(request, {"role": form.errors.get("role", ["invalid"])})
            membership_role_set(
                company=company,
                user=request.user,
                membership=membership,
                role=form.cleaned_data["role"],
            )
            messages.success(
                request, f"{membership.user.get_username()} is now {form.cleaned_data['role']}."
            )
    except MemberChangeRefused as exc:
        messages.error(request, str(exc))
        return redirect(_members_url(company))
    if membership.user_id == request.user.pk:
        return redirect("ar_dashboard:home")  # they may no longer see this page
    return redirect(_members_url(company))


@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request, token: str):
    """Accept an invitation: signed-in users join; others make an account (email = username)."""
    try:
        found = invitation_for_token(token)
    except InvitationInvalid as exc:
        return render(request, "accounts/invitation.html", {"error": str(exc)}, status=400)
    form = SignUpForm(request.POST or None)
    context = {"invitation": found, "form": form}
    if request.method != "POST":
        return render(request, "accounts/invitation.html", context)
    user = request.user
    if not user.is_authenticated:
        user = _sign_up(request, form, found.email)
        if user is None:
            return render(request, "accounts/invitation.html", context, status=400)
    try:
        invitation_accept(token=token, user=user)
    except InvitationInvalid as exc:
        return render(request, "accounts/invitation.html", {"error": str(exc)}, status=400)
    messages.success(request, f"You joined {found.company.name}.")
    return redirect(f"{reverse('ar_dashboard:home')}?company={found.company_id}")


def _sign_up(request, form: SignUpForm, email: str):
    """A new user named by the invited email, signed in; None (errors on the form) if not."""
    if not form.is_valid():
        return None
    users = get_user_model()
    candidate = users(username=email, email=email)
    try:
        validate_password(form.cleaned_data["password1"], candidate)
    except ValidationError as exc:
        form.add_error("password1", exc)
        return None
    candidate.set_password(form.cleaned_data["password1"])
    try:
        candidate.save()
    except IntegrityError:
        form.add_error(
            None, "An account with this email exists: sign in first, then open the link again."
        )
        return None
    login(request, candidate, backend="django.contrib.auth.backends.ModelBackend")
    return candidate
