"""The worklist with the real analytics risk score."""

from ar_collections.tests.conftest import client_for


def test_every_ranked_customer_carries_its_band(ledger, alice, django_assert_max_num_queries):
    """The worklist's nine queries plus the risk score's own (a fixed number, not per
    customer)."""
    client = client_for(alice)
    client.get("/ar/api/collections/", {"as_of": "2026-06-30"})
    with django_assert_max_num_queries(15):
        body = client.get("/ar/api/collections/", {"as_of": "2026-06-30"}).json()
    assert body["count"] == 4
    assert all(r["band"] in ("low", "medium", "high") for r in body["customers"])
