"""Members: invitations by email (accept, expiry, reuse), roles, removal, last-admin rule."""

import re
from datetime import UTC, datetime, timedelta

import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from accounts.models import AuditEntry, Invitation
from ar_dashboard.models import Membership

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
PASSWORD = "a long enough pass phrase 42"


def invite(client, company, email="vera@example.com", role="viewer") -> str:
    """Send an invitation as the logged-in admin; the path of the emailed link."""
    answer = client.post("/ar/members/", {"company": company.pk, "email": email, "role": role})
    assert answer.status_code == 302
    (message,) = mail.outbox[-1:]
    return re.search(r"https?://[^/]+(/ar/invitations/[^/\s]+/)", message.body).group(1)


def test_members_page_lists_members(client, alice, bob, company_a):
    client.force_login(alice)
    page = client.get("/ar/members/", {"company": company_a.pk}).content.decode()
    assert 'data-user="alice"' in page and 'data-user="bob"' in page


def test_invitation_is_emailed_with_a_link(client, alice, company_a):
    client.force_login(alice)
    link = invite(client, company_a)
    (message,) = mail.outbox
    assert message.to == ["vera@example.com"]
    assert "Acme Supplies" in message.subject and "viewer" in message.body
    assert link.startswith("/ar/invitations/")
    assert AuditEntry.objects.get(action="member.invited").field == "vera@example.com"


def test_a_new_person_accepts_and_sees_the_company_as_viewer(client, alice, company_a):
    client.force_login(alice)
    link = invite(client, company_a)
    vera = Client()

    assert "Join Acme Supplies" in vera.get(link).content.decode()
    answer = vera.post(link, {"password1": PASSWORD, "password2": PASSWORD})

    assert answer.status_code == 302
    user = get_user_model().objects.get(username="vera@example.com")
    assert Membership.objects.get(user=user, company=company_a).role == "viewer"
    home = vera.get(answer["Location"])
    assert home.status_code == 200 and "Acme Supplies" in home.content.decode()
    # and a viewer cannot change anything
    assert vera.get("/ar/settings/", {"company": company_a.pk}).status_code == 403
    assert vera.post("/ar/syncs/new/", {"company": company_a.pk}).status_code == 403


def test_a_signed_in_user_accepts_with_one_click(client, alice, charlie, company_a):
    client.force_login(alice)
    link = invite(client, company_a, email="charlie@example.com", role="collector")
    other = Client()
    other.force_login(charlie)
    assert other.post(link).status_code == 302
    assert Membership.objects.get(user=charlie, company=company_a).role == "collector"


def test_an_invitation_cannot_be_used_twice(client, alice, company_a):
    client.force_login(alice)
    link = invite(client, company_a)
    Client().post(link, {"password1": PASSWORD, "password2": PASSWORD})

    again = Client().post(link, {"password1": PASSWORD, "password2": PASSWORD})

    assert again.status_code == 400
    assert "already used" in again.content.decode()
    assert Membership.objects.filter(company=company_a).count() == 2  # alice and vera


def test_an_expired_invitation_is_refused(client, alice, company_a):
    """INVITATION_MAX_AGE_DAYS = 7: a link opened 7 days and 1 second later is refused."""
    client.force_login(alice)
    with time_machine.travel(NOW, tick=False):
        link = invite(client, company_a)
    with time_machine.travel(NOW + timedelta(days=7, seconds=1), tick=False):
        answer = Client().post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert answer.status_code == 400
    assert "expired" in answer.content.decode()
    assert not get_user_model().objects.filter(username="vera@example.com").exists()


def test_an_altered_invitation_link_is_refused(client, alice, company_a):
    client.force_login(alice)
    link = invite(client, company_a)
    answer = Client().get(link[:-3] + "x/")
    assert answer.status_code == 400 and "not valid" in answer.content.decode()


def test_mismatched_passwords_create_nobody(client, alice, company_a):
    client.force_login(alice)
    link = invite(client, company_a)
    answer = Client().post(link, {"password1": PASSWORD, "password2": PASSWORD + "x"})
    assert answer.status_code == 400
    assert Invitation.objects.get().accepted_at is None


def test_the_invite_form_validates_the_email(client, alice, company_a):
    client.force_login(alice)
    answer = client.post("/ar/members/", {"company": company_a.pk, "email": "nope", "role": "x"})
    assert answer.status_code == 400
    assert not mail.outbox


def test_admin_sets_a_role(client, alice, bob, company_a):
    client.force_login(alice)
    member = Membership.objects.get(user=bob)
    client.post(f"/ar/members/{member.pk}/role/", {"company": company_a.pk, "role": "collector"})
    member.refresh_from_db()
    assert member.role == "collector"
    entry = AuditEntry.objects.get(action="member.role")
    assert (entry.field, entry.old, entry.new) == ("bob", "viewer", "collector")


def test_the_last_admin_cannot_demote_or_remove_themself(client, alice, company_a):
    client.force_login(alice)
    mine = Membership.objects.get(user=alice)
    demote = client.post(
        f"/ar/members/{mine.pk}/role/", {"company": company_a.pk, "role": "viewer"}, follow=True
    )
    remove = client.post(f"/ar/members/{mine.pk}/remove/", {"company": company_a.pk}, follow=True)
    assert "at least one admin" in demote.content.decode()
    assert "last admin cannot be removed" in remove.content.decode()
    mine.refresh_from_db()
    assert mine.role == "admin"


def test_with_two_admins_one_may_leave(client, alice, bob, company_a):
    Membership.objects.filter(user=bob).update(role="admin")
    client.force_login(alice)
    mine = Membership.objects.get(user=alice)
    answer = client.post(f"/ar/members/{mine.pk}/remove/", {"company": company_a.pk})
    assert answer.status_code == 302
    assert not Membership.objects.filter(user=alice).exists()


def test_admin_removes_a_member(client, alice, bob, company_a):
    client.force_login(alice)
    member = Membership.objects.get(user=bob)
    client.post(f"/ar/members/{member.pk}/remove/", {"company": company_a.pk})
    assert not Membership.objects.filter(user=bob).exists()
    assert AuditEntry.objects.get(action="member.removed").field == "bob"


def test_a_member_of_another_company_cannot_be_changed_from_here(client, alice, charlie, company_a):
    client.force_login(alice)
    theirs = Membership.objects.get(user=charlie)
    answer = client.post(f"/ar/members/{theirs.pk}/remove/", {"company": company_a.pk})
    assert answer.status_code == 404
    assert Membership.objects.filter(user=charlie).exists()


def test_viewers_and_collectors_cannot_manage_members(client, bob, carol, company_a):
    target = Membership.objects.get(user=bob)
    for user in (bob, carol):
        client.force_login(user)
        assert client.get("/ar/members/", {"company": company_a.pk}).status_code == 403
        answer = client.post(
            f"/ar/members/{target.pk}/role/", {"company": company_a.pk, "role": "admin"}
        )
        assert answer.status_code == 403
    target.refresh_from_db()
    assert target.role == "viewer"
