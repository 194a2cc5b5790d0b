"""GET /ar/api/collections/: the ranked worklist, hand-computed on conftest's ledger."""

from datetime import date
from decimal import Decimal as D

import pytest

from ar_collections import adapters
from ar_collections.services import activities
from ar_collections.tests.conftest import client_for

URL = "/ar/api/collections/"
pytestmark = pytest.mark.usefixtures("no_risk_bands")


@pytest.fixture
def worked(ledger, alice, carol):
    """Initech has an open promise (made 06-20, due 07-05); Umbrella broke one (due 06-10,
    grace to 06-12, nothing paid); Hooli was called on 06-27; Initech is carol's."""
    activities.promise_create(
        customer=ledger.initech,
        author=carol,
        made_on=date(2026, 6, 20),
        promised_on=date(2026, 7, 5),
        amount=D("800.00"),
        invoice_ids=[ledger.docs.i1.pk],
    )
    activities.promise_create(
        customer=ledger.umbrella,
        author=carol,
        made_on=date(2026, 6, 1),
        promised_on=date(2026, 6, 10),
        amount=D("300.00"),
    )
    activities.activity_create(
        customer=ledger.hooli,
        kind="call",
        body="Left a message",
        author=carol,
        occurred_on=date(2026, 6, 27),
    )
    activities.customer_assign(customer=ledger.initech, collector_id=carol.pk)
    return ledger


def test_worklist_ranks_by_the_documented_priority(worked, alice):
    """Globex 1000×1 + 500×1.5 = 1750.00; Umbrella 300×3 ×1.5 (broken) = 1350.00;
    Hooli 2000 ×0.5 (called 3 days ago) = 1000.00; Initech 800×2.5 ×0.5 (open promise) =
    1000.00 (tie: by name, Hooli first). Stark has nothing overdue: not listed."""
    answer = client_for(alice).get(URL, {"as_of": "2026-06-30"})
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["company"], body["currency"], body["as_of"], body["count"]) == (
        worked.company.pk,
        "USD",
        "2026-06-30",
        4,
    )
    ranked = [(r["customer"], r["priority"], r["next_action"]) for r in body["customers"]]
    assert ranked == [
        ("Globex", "1750.00", "send_reminder"),
        ("Umbrella", "1350.00", "call_broken_promise"),
        ("Hooli", "1000.00", "call"),  # no email address on file
        ("Initech", "1000.00", "await_promise"),
    ]
    globex, umbrella, hooli, initech = body["customers"]
    assert globex["overdue"] == "1500.00" and globex["oldest_days_past_due"] == 45
    assert globex["buckets"] == {
        "current": "0.00",
        "1_30": "1000.00",
        "31_60": "500.00",
        "61_90": "0.00",
        "91_120": "0.00",
        "over_120": "0.00",
    }
    assert umbrella["broken_promise"]["status"] == "broken"
    assert umbrella["broken_promise"]["paid"] == "0.00"
    assert hooli["last_contact"] == "2026-06-27"
    assert initech["open_promise"]["promised_on"] == "2026-07-05"
    assert initech["collector"] == "carol" and not initech["mine"]


def test_a_collector_sees_their_own_customers_first(worked, carol):
    body = client_for(carol).get(URL, {"as_of": "2026-06-30"}).json()
    assert [r["customer"] for r in body["customers"]][:2] == ["Initech", "Globex"]
    assert body["customers"][0]["mine"] is True


def test_risk_band_weighs_in(worked, alice, monkeypatch):
    """Umbrella high: 300×3 × 1.5 (band) × 1.5 (broken) = 2025.00, now first."""
    bands = {worked.umbrella.pk: "high", worked.globex.pk: "low"}
    monkeypatch.setattr(adapters, "risk_bands", lambda **_: bands)
    body = client_for(alice).get(URL, {"as_of": "2026-06-30"}).json()
    assert [(r["customer"], r["priority"], r["band"]) for r in body["customers"][:2]] == [
        ("Umbrella", "2025.00", "high"),
        ("Globex", "1750.00", "low"),
    ]
    only = client_for(alice).get(URL, {"as_of": "2026-06-30", "band": "high"}).json()
    assert [r["customer"] for r in only["customers"]] == ["Umbrella"]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"collector": "me"}, []),
        ({"collector": "unassigned"}, ["Globex", "Umbrella", "Hooli"]),
        ({"collector": "carol"}, None),  # 400
        ({"bucket": "over_120"}, ["Umbrella"]),
        ({"bucket": "1_30"}, ["Hooli", "Globex"]),
        ({"name": "glo"}, ["Globex"]),  # the app's one name-prefix filter
        # The week of Tuesday 06-30 is 06-29..07-05: Initech's promise is due on its Sunday.
        ({"promises_due_this_week": "true"}, ["Initech"]),
        ({"promises_due_this_week": "true", "as_of": "2026-06-28"}, []),
    ],
)
def test_worklist_filters(worked, alice, params, names):
    query = {"as_of": "2026-06-30", **params}
    answer = client_for(alice).get(URL, query)
    if names is None:
        assert answer.status_code == 400 and "collector" in answer.json()
        return
    assert answer.status_code == 200, answer.json()
    got = [r["customer"] for r in answer.json()["customers"]]
    assert sorted(got) == sorted(names)
