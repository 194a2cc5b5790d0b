"""Members and invitations; the last admin of a company can neither leave nor be demoted."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import Invitation
from accounts.services.audit import audit_record
from ar_dashboard.models import Company, Membership

SALT = "accounts.invitation"
Role = Membership.Role


class MemberChangeRefused(Exception):
    """The change would leave the company without an admin, or is otherwise not allowed."""


class InvitationInvalid(Exception):
    """The invitation link is altered, expired or already used; `str()` says which."""


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk}, salt=SALT)


def invitation_create(
    *, company: Company, user, email: str, role: str, accept_url: Callable[[str], str]
) -> Invitation:
    """Record the invitation and email its signed link (`accept_url(token)` makes it absolute)."""
    invitation = Invitation.objects.create(
        company=company, email=email.strip().lower(), role=role, invited_by=user
    )
    link = accept_url(invitation_token(invitation))
    days = settings.INVITATION_MAX_AGE_DAYS
    send_mail(
        subject=f"You are invited to {company.name} on the AR Aging Dashboard",
        message=(
            f"{user.get_username()} invited you to see {company.name}'s accounts receivable as "
            f"{Role(role).label.lower()}.\n\nAccept within {days} days: {link}\n"
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )
    audit_record(
        company=company, user=user, action="member.invited", field=invitation.email, new=role
    )
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """The open invitation a link names (InvitationInvalid if altered, expired or used)."""
    max_age = settings.INVITATION_MAX_AGE_DAYS * 86400
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise InvitationInvalid("This invitation has expired: ask for a new one.") from None
    except signing.BadSignature:
        raise InvitationInvalid("This invitation link is not valid.") from None
    invitation = Invitation.objects.select_related("company").filter(pk=payload.get("i")).first()
    if invitation is None:
        raise InvitationInvalid("This invitation was withdrawn.")
    if invitation.accepted_at is not None:
        raise InvitationInvalid("This invitation was already used.")
    return invitation


def invitation_accept(*, token: str, user) -> Membership:
    """Make the user a member with the invited role; the link then stops working."""
    with transaction.atomic():
        invitation = invitation_for_token(token)
        taken = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
            accepted_at=timezone.now(), accepted_by=user
        )
        if not taken:  # accepted by a concurrent request meanwhile
            raise InvitationInvalid("This invitation was already used.")
        membership, created = Membership.objects.get_or_create(
            user=user, company=invitation.company, defaults={"role": invitation.role}
        )
        if created:
            audit_record(
                company=invitation.company,
                user=user,
                action="member.joined",
                field=user.get_username(),
                new=invitation.role,
            )
    return membership


def _lock_admins(company: Company) -> int:
    """The company's admin count, its admin rows locked until the transaction ends."""
    admins = Membership.objects.select_for_update().filter(company=company, role=Role.ADMIN)
    return len(list(admins.values_list("pk", flat=True)))


def membership_role_set(*, company: Company, user, membership: Membership, role: str) -> None:
    with transaction.atomic():
        if membership.role == Role.ADMIN and role != Role.ADMIN and _lock_admins(company) <= 1:
            raise MemberChangeRefused(
                "A company needs at least one admin: make someone else admin first."
            )
        old = membership.role
        Membership.objects.filter(pk=membership.pk).update(role=role)
        audit_record(
            company=company,
            user=user,
            action="member.role",
            field=membership.user.get_username(),
            old=old,
            new=role,
        )


def membership_remove(*, company: Company, user, membership: Membership) -> None:
    with transaction.atomic():
        if membership.role == Role.ADMIN and _lock_admins(company) <= 1:
            raise MemberChangeRefused(
                "The last admin cannot be removed: make someone else admin first."
            )
        name = membership.user.get_username()
        membership.delete()
        audit_record(
            company=company, user=user, action="member.removed", field=name, old=membership.role
        )
