"""`/ar/filtered/`: filters from the URL, removable badges, the htmx fragment, exports."""

import re

AS_OF = {"as_of": "2026-06-30"}


def _names(html: str) -> list[str]:
    return re.findall(r'<th scope="row" class="sticky-col fw-normal"><a [^>]+>([^<]+)</a>', html)


def test_bucket_and_amount_filters_narrow_the_table(
    ledger, alice_client, django_assert_num_queries
):
    """31-60 on 2026-06-30: Initech 400.00 (31 d) + 500.00 (60 d) = 900.00, Unknown 250.00
    (45 d); with min_amount 300 only Initech's two documents are left: 900.00."""
    # 1-2. session, user; 3. companies; 4. the company; 5. COUNT of customer rows (a bucket
    # filter never reads stored rows); 6. the one-pass stats; 7. currencies in use; 8. the
    # page of customer rows, evaluated as the template renders it.
    with django_assert_num_queries(8):
        response = alice_client.get("/ar/filtered/", {**AS_OF, "bucket": "31_60"})
    html = response.content.decode()
    assert _names(html) == ["Initech", "Unknown customer"]
    assert "$1,150.00" in html

    html = alice_client.get(
        "/ar/filtered/", {**AS_OF, "bucket": "31_60", "min_amount": "300"}
    ).content.decode()
    assert _names(html) == ["Initech"]
    assert "$900.00" in html


def test_each_filter_has_a_badge_whose_link_drops_only_it(ledger, alice_client):
    params = {**AS_OF, "bucket": "31_60", "customer": str(ledger.initech.pk)}

    html = alice_client.get("/ar/filtered/", params).content.decode()

    badges = re.findall(r'data-param="([a-z_]+)"', html)
    assert badges == ["as_of", "bucket", "customer"]
    assert "Customer Initech" in html and "Bucket 31-60" in html
    company = ledger.company.pk
    drop_bucket = (
        f"/ar/filtered/?as_of=2026-06-30&amp;customer={ledger.initech.pk}&amp;company={company}"
    )
    assert f'href="{drop_bucket}"' in html


def test_htmx_gets_the_fragment_and_a_history_restore_the_page(ledger, alice_client):
    fragment = alice_client.get("/ar/filtered/", AS_OF, HTTP_HX_REQUEST="true").content.decode()
    restore = alice_client.get(
        "/ar/filtered/", AS_OF, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    ).content.decode()

    assert fragment.startswith('<div id="results"') and "<html" not in fragment
    assert "<html" in restore and 'id="results"' in restore


def test_export_buttons_and_chart_carry_the_filters(ledger, alice_client):
    html = alice_client.get("/ar/filtered/", {**AS_OF, "bucket": "1_30"}).content.decode()

    query = f"company={ledger.company.pk}&amp;as_of=2026-06-30&amp;bucket=1_30"
    for fmt in ("csv", "xlsx", "pdf"):
        assert (
            f'href="/ar/export/customer-breakdown.{fmt}?{query}&amp;sort=-total_outstanding"'
            in html
        )
    assert f'data-endpoint="/ar/api/aging-distribution/?{query}"' in html


def test_bad_amount_is_a_400_naming_it(ledger, alice_client):
    response = alice_client.get("/ar/filtered/", {"min_amount": "1e3"})

    assert response.status_code == 400
    assert "<code>min_amount</code>" in response.content.decode()


def test_risk_band_lists_that_band_from_the_analytics_api_with_a_badge(ledger, alice_client):
    html = alice_client.get("/ar/filtered/", {**AS_OF, "band": "high"}).content.decode()

    query = f"company={ledger.company.pk}&amp;as_of=2026-06-30"
    assert f'data-endpoint="/ar/api/customer-health/?{query}&amp;band=high' in html
    assert "Risk band high" in html
    assert '<option value="high" selected>' in html


def test_unknown_risk_band_is_a_400_naming_it(ledger, alice_client):
    response = alice_client.get("/ar/filtered/", {"band": "severe"})

    assert response.status_code == 400
    assert "<code>band</code>" in response.content.decode()


def test_name_prefix_filters_the_table_with_a_badge(ledger, alice_client):
    """Names starting with "in" (any case): Initech only, 2100.00."""
    html = alice_client.get("/ar/filtered/", {**AS_OF, "name": "in"}).content.decode()

    assert _names(html) == ["Initech"]
    assert "Name starts with “in”" in html
    assert 'name="name" class="form-control form-control-sm customer-name"' in html
