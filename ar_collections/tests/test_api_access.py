"""Every collections endpoint: login required, outsider 404, viewer may read but not write,
collector and admin write; bad input → 400 naming the field."""

from datetime import date
from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from ar_collections.models import Activity, CustomerCollections, Dispute, Promise
from ar_collections.services import activities
from ar_collections.tests.conftest import client_for

READS = ["activities/", "promises/", "disputes/", "settings/", "reminder-preview/"]


def base(customer) -> str:
    return f"/ar/api/collections/customers/{customer.pk}/"


def writes(ledger, dispute_id: int) -> list[tuple[str, str, dict]]:
    return [
        ("post", "activities/", {"kind": "note", "body": "Spoke to AP"}),
        ("post", "promises/", {"amount": "100.00", "promised_on": "2026-07-10"}),
        ("post", "disputes/", {"invoice": ledger.docs.g2.pk, "reason": "Wrong price"}),
        ("post", f"disputes/{dispute_id}/resolve/", {"resolution": "Credit agreed"}),
        ("patch", "settings/", {"reminders_opt_out": True}),
    ]


@pytest.fixture
def dispute(ledger, alice):
    return activities.dispute_open(
        invoice=ledger.docs.g1, reason="Never received", author=alice, opened_on=date(2026, 6, 1)
    )


@pytest.mark.parametrize("path", READS)
def test_reads_need_login_and_membership(ledger, bob, charlie, path):
    url = base(ledger.globex) + path
    assert APIClient().get(url).status_code == 401
    assert client_for(charlie).get(url).status_code == 404  # another company's customer
    assert client_for(bob).get(url).status_code == 200  # a viewer reads


def test_worklist_outsider_and_anonymous(ledger, charlie):
    url = "/ar/api/collections/"
    assert APIClient().get(url).status_code == 401
    answer = client_for(charlie).get(url, {"company": ledger.company.pk})
    assert answer.status_code == 404


def test_every_write_is_refused_to_a_viewer_and_an_outsider(ledger, bob, charlie, dispute):
    for method, path, data in writes(ledger, dispute.pk):
        url = base(ledger.globex) + path
        assert getattr(client_for(bob), method)(url, data, format="json").status_code == 403, path
        outsider = getattr(client_for(charlie), method)(url, data, format="json")
        assert outsider.status_code == 404, path
        assert getattr(APIClient(), method)(url, data, format="json").status_code == 401, path
    assert Activity.objects.count() == 1  # only the fixture's dispute
    assert not Promise.objects.exists()
    assert Dispute.objects.get().resolved_on is None
    assert not CustomerCollections.objects.filter(reminders_opt_out=True).exists()


def test_a_collector_writes_everything(ledger, carol, dispute, pinned_today):
    client = client_for(carol)
    for method, path, data in writes(ledger, dispute.pk):
        answer = getattr(client, method)(base(ledger.globex) + path, data, format="json")
        assert answer.status_code in (200, 201), (path, answer.json())
    assert Activity.objects.filter(kind="note", body="Spoke to AP").exists()
    promise = Promise.objects.get()
    assert (promise.amount, promise.currency, promise.made_on) == (
        D("100.00"),
        "USD",
        date(2026, 6, 30),
    )
    assert Dispute.objects.filter(invoice=ledger.docs.g2, resolved_on=None).exists()
    assert Dispute.objects.get(pk=dispute.pk).resolution == "Credit agreed"
    assert CustomerCollections.objects.get(customer=ledger.globex).reminders_opt_out


def test_assignment_needs_a_collector_of_the_company(ledger, alice, bob, carol, charlie):
    url = base(ledger.globex) + "settings/"
    client = client_for(alice)
    assert client.patch(url, {"collector": carol.pk}, format="json").json()["collector_id"] == (
        carol.pk
    )
    for user in (bob, charlie):  # a viewer, another company's admin
        answer = client.patch(url, {"collector": user.pk}, format="json")
        assert answer.status_code == 400 and "collector" in answer.json()
    assert client.patch(url, {"collector": None}, format="json").json()["collector_id"] is None


@pytest.mark.parametrize(
    ("path", "data", "param"),
    [
        ("activities/", {"kind": "promise", "body": "x"}, "kind"),
        ("activities/", {"kind": "note", "body": ""}, "body"),
        ("activities/", {"kind": "note", "body": "x", "occurred_on": "30/06/2026"}, "occurred_on"),
        ("promises/", {"amount": "1e3", "promised_on": "2026-07-10"}, "amount"),
        ("promises/", {"amount": "0", "promised_on": "2026-07-10"}, "amount"),
        ("promises/", {"amount": "10", "promised_on": "2026-06-01"}, "promised_on"),
        ("promises/", {"amount": "10", "promised_on": "2026-07-10", "invoices": ["x"]}, "invoices"),
        ("disputes/", {"invoice": "abc", "reason": "x"}, "invoice"),
        ("disputes/", {"invoice": 999999, "reason": "x"}, "invoice"),
        ("settings/", {"reminder_email": "not-an-email"}, "reminder_email"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(ledger, alice, pinned_today, path, data, param):
    url = base(ledger.globex) + path
    method = "patch" if path == "settings/" else "post"
    answer = getattr(client_for(alice), method)(url, data, format="json")
    assert answer.status_code == 400
    assert param in answer.json()


def test_another_customers_invoice_cannot_be_promised_or_disputed(ledger, alice, pinned_today):
    url = base(ledger.globex)
    client = client_for(alice)
    other = ledger.docs.i1.pk  # Initech's
    answer = client.post(
        url + "promises/",
        {"amount": "10", "promised_on": "2026-07-10", "invoices": [other]},
        format="json",
    )
    assert answer.status_code == 400 and "invoices" in answer.json()
    answer = client.post(url + "disputes/", {"invoice": other, "reason": "x"}, format="json")
    assert answer.status_code == 400 and "invoice" in answer.json()


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"band": "extreme"}, "band"),
        ({"collector": "0"}, "collector"),
        ({"promises_due_this_week": "maybe"}, "promises_due_this_week"),
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"bucket": "nope"}, "bucket"),
        ({"page_size": "9999"}, "page_size"),
    ],
)
def test_worklist_400s_name_the_param(ledger, alice, params, param):
    answer = client_for(alice).get("/ar/api/collections/", params)
    assert answer.status_code == 400
    assert param in answer.json()


@pytest.mark.usefixtures("no_risk_bands")
def test_worklist_query_count_does_not_grow_with_customers(
    ledger, alice, django_assert_num_queries
):
    """Nine queries whatever the number of customers: the visible company (1), "do summary
    rows answer?" (1), "any allocation after as_of?" (1), collection settings (1), last contact
    per customer (1), open disputes (1), recent promises with their paid sums (1; their
    invoices are prefetched only when there is one), customer emails (1), customer rows (1)."""
    client = client_for(alice)
    client.get("/ar/api/collections/", {"as_of": "2026-06-30"})  # warm caches (ContentTypes…)
    with django_assert_num_queries(9):
        assert client.get("/ar/api/collections/", {"as_of": "2026-06-30"}).status_code == 200


def test_activities_are_listed_newest_first_with_paging(ledger, alice, carol):
    for day in (1, 3, 2):
        activities.activity_create(
            customer=ledger.globex,
            kind="call",
            body=f"call {day}",
            author=carol,
            occurred_on=date(2026, 6, day),
        )
    body = client_for(alice).get(base(ledger.globex) + "activities/", {"page_size": 2}).json()
    assert body["count"] == 3 and body["next"]
    assert [(a["body"], a["author"]) for a in body["activities"]] == [
        ("call 3", "carol"),
        ("call 2", "carol"),
    ]


def test_reminder_preview_renders_the_reached_stage(ledger, alice, pinned_today):
    body = client_for(alice).get(base(ledger.globex) + "reminder-preview/").json()
    assert body["stage"] == "30 days overdue"  # G-2 is 45 days past due
    assert body["subject"] == "Acme Supplies: payment 30 days overdue"
    assert body["recipients"] == ["ap@globex.example"]
    assert body["attachment"] == "statement-2026-06-30.pdf"
    assert "G-2  due 2026-05-16  $500.00  (45 days overdue)" in body["body"]
