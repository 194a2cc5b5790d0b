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


def _buckets_shown(html: str) -> list[str]:
    checked = r'value="([a-z0-9_]+)" id="f-bucket-[a-z0-9_]+" autocomplete="off" checked'
    return re.findall(checked, html)


def test_several_buckets_sum_the_chosen_buckets(ledger, alice_client):
    """31-60 and 91-120: Umbrella 800 + 900 = 1700.00, Initech 400 + 500 = 900.00, Unknown
    250.00 (45 d); 1150.00 + 1700.00 = 2850.00. Repeated or comma-separated: one answer."""
    repeated = alice_client.get(
        "/ar/filtered/?as_of=2026-06-30&bucket=31_60&bucket=91_120"
    ).content.decode()
    commas = alice_client.get("/ar/filtered/?as_of=2026-06-30&bucket=91_120,31-60").content.decode()

    for html in (repeated, commas):
        assert _names(html) == ["Umbrella", "Initech", "Unknown customer"]
        assert "$2,850.00" in html and "$1,700.00" in html and "$900.00" in html
        assert _buckets_shown(html) == ["31_60", "91_120"]
        assert re.findall(r'data-param="([a-z_]+)"', html) == ["as_of", "bucket", "bucket"]
        assert "Bucket 31-60" in html and "Bucket 91-120" in html


def test_each_bucket_badge_drops_only_its_bucket(ledger, alice_client):
    html = alice_client.get(
        "/ar/filtered/?as_of=2026-06-30&bucket=31_60&bucket=91_120"
    ).content.decode()

    company = ledger.company.pk
    drop_31 = f"/ar/filtered/?as_of=2026-06-30&amp;bucket=91_120&amp;company={company}"
    drop_91 = f"/ar/filtered/?as_of=2026-06-30&amp;bucket=31_60&amp;company={company}"
    assert f'href="{drop_31}"' in html and f'href="{drop_91}"' in html


def test_export_links_carry_every_bucket_and_the_band(ledger, alice_client):
    html = alice_client.get(
        "/ar/filtered/?as_of=2026-06-30&bucket=31_60&bucket=91_120&band=low"
    ).content.decode()

    query = (
        f"company={ledger.company.pk}&amp;as_of=2026-06-30&amp;bucket=31_60&amp;bucket=91_120"
        "&amp;band=low"
    )
    for fmt in ("csv", "xlsx", "pdf"):
        assert f'href="/ar/export/customer-breakdown.{fmt}?{query}&amp;sort=' in html
    assert f'data-endpoint="/ar/api/aging-distribution/?{query}"' in html


def test_unknown_bucket_among_several_is_a_400_naming_it(ledger, alice_client):
    response = alice_client.get("/ar/filtered/?bucket=31_60&bucket=32_61")

    assert response.status_code == 400
    html = response.content.decode()
    assert "<code>bucket</code>" in html and "&#x27;32_61&#x27; is not a bucket" in html


def test_risk_band_narrows_table_totals_and_badge(ledger, alice_client, django_assert_num_queries):
    """Scores on 2026-06-30 (README's risk table): Umbrella 70 (all over 90 days, 49 % of AR,
    never paid) high; Initech 24 (57 % over 60 days, 38 % of AR, paid 15 days ago) and Globex
    3 (8 % of AR) low; the unknown customer has no score, so it is in no band."""
    # 1-2. session, user; 3. companies; 4. the company; 5-8. the band's customers (company AR,
    # lateness, last payments, open balances per customer: customer-health's queries, then
    # cached); 9. stored rows for the day? (a band keeps whole customers, so they could
    # answer); 10. the COUNT of customer rows; 11-12. stored rows?, the one-pass stats;
    # 13. currencies; 14. the page of rows. No query per customer or per document.
    with django_assert_num_queries(14):
        high = alice_client.get("/ar/filtered/", {**AS_OF, "band": "high"}).content.decode()
    low = alice_client.get("/ar/filtered/", {**AS_OF, "band": "low"}).content.decode()
    medium = alice_client.get("/ar/filtered/", {**AS_OF, "band": "medium"}).content.decode()

    assert _names(high) == ["Umbrella"]
    assert "$2,700.00" in high and "Risk band High" in high
    assert '<option value="high" selected>' in high
    assert _names(low) == ["Initech", "Globex"]
    assert "$2,550.50" in low
    assert _names(medium) == []


def test_risk_band_and_buckets_combine(ledger, alice_client):
    """Low band (Initech, Globex) in 31-60 and 61-90: Initech 400 + 500 + 500 + 700 = 2100.00;
    Globex has nothing there and the unknown customer's 250.00 is in no band."""
    html = alice_client.get(
        "/ar/filtered/?as_of=2026-06-30&band=low&bucket=31_60&bucket=61_90"
    ).content.decode()

    assert _names(html) == ["Initech"]
    assert "$2,100.00" in html


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
