"""`/ar/widgets/`: the catalogue, and the layout saved per user and company."""

import json

import pytest

from ar_dashboard.models import DashboardLayout
from ar_dashboard.widgets import CATALOGUE, LayoutError, clean_layout, default_layout

URL = "/ar/widgets/layout/"
MOVED = [
    {"widget": "aging_pie", "x": 8, "y": 0, "w": 4, "h": 4},
    {"widget": "kpis", "x": 0, "y": 4, "w": 12, "h": 2},
]


def _put(client, company, layout):
    return client.put(
        f"{URL}?company={company.pk}",
        data=json.dumps({"layout": layout}),
        content_type="application/json",
    )


def test_default_layout_packs_rows_of_twelve():
    layout = default_layout()

    assert layout[0] == {"widget": "kpis", "x": 0, "y": 0, "w": 12, "h": 2}
    assert layout[1] == {"widget": "aging_pie", "x": 0, "y": 2, "w": 4, "h": 4}
    assert layout[2] == {"widget": "top_customers", "x": 4, "y": 2, "w": 8, "h": 4}
    assert all(item["x"] + item["w"] <= 12 for item in layout)


@pytest.mark.parametrize(
    "bad",
    [
        {"widget": "kpis"},
        [{"widget": "nope", "x": 0, "y": 0, "w": 1, "h": 1}],
        [{"widget": "kpis", "x": 11, "y": 0, "w": 2, "h": 1}],
        [{"widget": "kpis", "x": 0, "y": 0, "w": 1, "h": True}],
        [{"widget": "kpis", "x": 0, "y": 0, "w": 1, "h": 1}] * 2,
    ],
)
def test_clean_layout_refuses_what_is_not_a_layout(bad):
    with pytest.raises(LayoutError):
        clean_layout(bad)


def test_the_page_lists_the_catalogue_and_the_default_layout(
    ledger, alice_client, django_assert_num_queries
):
    # 1-2. session, user; 3. companies; 4. the company; 5. the saved layout (none); 6. currencies
    with django_assert_num_queries(6):
        html = alice_client.get("/ar/widgets/").content.decode()

    for widget in CATALOGUE.values():
        assert f'data-add-widget="{widget.key}"' in html
    assert '"widget": "kpis"' in html
    assert 'data-api-query="company=' in html


def test_a_saved_layout_comes_back_for_that_user_only(ledger, alice, bob, client_for):
    alice_client = client_for(alice)

    saved = _put(alice_client, ledger.company, MOVED)

    assert saved.status_code == 200
    assert alice_client.get(URL, {"company": ledger.company.pk}).json() == {
        "layout": MOVED,
        "saved": True,
    }
    assert client_for(bob).get(URL, {"company": ledger.company.pk}).json()["saved"] is False
    assert '"x": 8' in alice_client.get("/ar/widgets/").content.decode()


def test_reset_forgets_the_layout(ledger, alice, alice_client):
    _put(alice_client, ledger.company, MOVED)

    response = alice_client.delete(f"{URL}?company={ledger.company.pk}")

    assert response.json() == {"layout": default_layout(), "saved": False}
    assert not DashboardLayout.objects.filter(user=alice).exists()


@pytest.mark.parametrize(
    "body", ["not json", json.dumps([1]), json.dumps({"layout": [{"widget": "x"}]})]
)
def test_a_bad_layout_is_a_400_and_nothing_is_saved(ledger, alice_client, body):
    response = alice_client.put(
        f"{URL}?company={ledger.company.pk}", data=body, content_type="application/json"
    )

    assert response.status_code == 400
    assert "layout" in response.json()
    assert not DashboardLayout.objects.exists()


def test_an_outsider_cannot_save_into_another_company(ledger, charlie, client_for):
    response = _put(client_for(charlie), ledger.company, MOVED)

    assert response.status_code == 404
    assert not DashboardLayout.objects.exists()


def test_a_bad_company_param_is_a_400(ledger, alice_client):
    response = alice_client.get(URL, {"company": "abc"})

    assert response.status_code == 400
    assert "company" in response.json()
