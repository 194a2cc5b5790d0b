"""The four dashboards in Chromium: each page at 375, 768 and 1440 px with no console error
and no sideways page scroll; widgets that stay moved; filters in the URL; drill-down and back;
print; an axe-core scan. Screenshots go to test-artifacts/browser/ (not committed)."""

import re

import pytest

from ar_dashboard.models import DashboardLayout
from ar_dashboard.tests.browser.conftest import (
    WIDTHS,
    horizontal_overflow,
    screenshot,
    serious_axe_violations,
)

DAY = "as_of=2026-06-30"


def _pages(shop) -> dict[str, str]:
    c = shop.company.pk
    globex = shop.customers["Globex"].pk
    return {
        "home": f"/ar/?company={c}&{DAY}",
        "widgets": f"/ar/widgets/?company={c}&{DAY}",
        "filtered": f"/ar/filtered/?company={c}&{DAY}",
        "report": f"/ar/report/?company={c}&{DAY}",
        "customer": f"/ar/report/customer/{globex}/?company={c}&{DAY}",
    }


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector('.widget-state-loading') && "
        "!Array.from(document.querySelectorAll('.pipeline-body'))"
        ".some(e => e.textContent === 'Loading…')"
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_width_without_console_errors(signed_in, shop, core_widgets, width):
    page = signed_in
    page.set_viewport_size({"width": width, "height": 900})
    for name, path in _pages(shop).items():
        page.goto(page.base + path)
        _settle(page)
        screenshot(page, f"{name}-{width}")
        assert page.console_errors == [], (name, page.console_errors)
        assert horizontal_overflow(page) <= 0, f"{name} scrolls sideways at {width}px"
        assert page.locator("h1").count() == 1


def test_wide_tables_scroll_in_their_box_with_the_customer_column_sticky(signed_in, shop):
    page = signed_in
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(page.base + _pages(shop)["report"])
    box = page.locator(".report-scroll")
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # the table is wider than a phone
    first = page.locator("#report-table tbody th.sticky-col").first
    before = first.bounding_box()["x"]
    box.evaluate("e => e.scrollLeft = 400")
    assert first.bounding_box()["x"] == pytest.approx(before, abs=1)
    assert horizontal_overflow(page) <= 0


@pytest.mark.parametrize("width", [375, 1440])
def test_axe_finds_no_serious_violations(signed_in, shop, core_widgets, width):
    page = signed_in
    page.set_viewport_size({"width": width, "height": 900})
    for name, path in _pages(shop).items():
        page.goto(page.base + path)
        _settle(page)
        assert serious_axe_violations(page) == [], name


def test_a_moved_widget_stays_moved_after_reload(signed_in, shop, core_widgets):
    # Top customers on the second row leaves room to the right of the pie on the first.
    DashboardLayout.objects.filter(user=shop.alice).update(
        layout=[{**core_widgets[0]}, {**core_widgets[1], "x": 0, "y": 4}]
    )
    page = signed_in
    page.goto(page.base + _pages(shop)["widgets"])
    _settle(page)
    pie = page.locator('.grid-stack-item[gs-id="aging_pie"]')
    handle = pie.locator(".widget-head h2")
    start = handle.bounding_box()
    target = page.locator('.grid-stack-item[gs-id="top_customers"]').bounding_box()
    with page.expect_response(
        lambda r: "/ar/widgets/layout/" in r.url and r.request.method == "PUT"
    ):
        page.mouse.move(start["x"] + 20, start["y"] + start["height"] / 2)
        page.mouse.down()
        # Below the top-customers widget: the pie drops to the second row.
        for step in range(1, 11):
            page.mouse.move(start["x"] + 20, start["y"] + (target["height"] + 60) * step / 10)
        page.mouse.up()
    moved_y = pie.get_attribute("gs-y")
    assert moved_y not in (None, "0")

    page.reload()
    _settle(page)

    assert page.locator('.grid-stack-item[gs-id="aging_pie"]').get_attribute("gs-y") == moved_y
    saved = DashboardLayout.objects.get(user=shop.alice, company=shop.company).layout
    assert {w["widget"]: w["y"] for w in saved}["aging_pie"] == int(moved_y)


def test_widgets_are_added_removed_and_reset(signed_in, shop, core_widgets):
    page = signed_in
    page.goto(page.base + _pages(shop)["widgets"])
    _settle(page)
    page.click("#catalogue-button")
    with page.expect_response(
        lambda r: "/ar/widgets/layout/" in r.url and r.request.method == "PUT"
    ):
        page.click('[data-add-widget="cash_forecast"]')
    added = page.locator('.grid-stack-item[gs-id="cash_forecast"]')
    # Before the analytics API is deployed this is the error state; after, a chart or empty.
    added.locator(".widget-chart, .widget-state-error, .widget-state-empty").first.wait_for()
    with page.expect_response(
        lambda r: "/ar/widgets/layout/" in r.url and r.request.method == "PUT"
    ):
        page.click('.grid-stack-item[gs-id="aging_pie"] .widget-remove')
    page.reload()
    _settle(page)
    keys = page.eval_on_selector_all(
        ".grid-stack-item", "els => els.map(e => e.getAttribute('gs-id'))"
    )
    assert sorted(keys) == ["cash_forecast", "top_customers"]

    with page.expect_navigation():
        page.click("#reset-layout")
    _settle(page)
    assert page.locator('.grid-stack-item[gs-id="kpis"]').count() == 1
    assert not DashboardLayout.objects.filter(user=shop.alice).exists()


def test_every_catalogue_widget_leaves_the_loading_state(signed_in, shop):
    """The default layout: each widget ends drawn, empty or in its error state, never stuck."""
    page = signed_in
    page.goto(page.base + _pages(shop)["widgets"])
    page.wait_for_function("() => document.querySelector('#widget-grid').dataset.ready === 'yes'")
    page.wait_for_function("() => !document.querySelector('.widget-state-loading')")
    pie = page.locator('.grid-stack-item[gs-id="aging_pie"] .widget-chart svg')
    assert pie.count() == 1  # the core API answers: drawn
    for item in page.locator(".grid-stack-item").all():
        assert item.locator(".widget-chart, .widget-state").count() >= 1
        assert item.locator("a.widget-data").get_attribute("href").startswith("/ar/api/")


def _table_names(page) -> list[str]:
    return page.locator(".filtered-table tbody th a").all_inner_texts()


def test_filters_change_table_url_and_badges_and_back_restores(signed_in, shop):
    page = signed_in
    page.goto(page.base + _pages(shop)["filtered"])
    _settle(page)
    everyone = _table_names(page)
    assert len(everyone) == 8

    page.click('label[for="f-bucket-31_60"]')
    page.wait_for_url(re.compile(r"bucket=31_60"))
    page.wait_for_function(
        "() => document.querySelectorAll('.filtered-table tbody tr').length === 2"
    )
    # 31-60 days on 2026-06-30: Tyrell (35 days, 2,750.00) and Umbrella (45 days, 1,500.00).
    assert _table_names(page) == ["Tyrell", "Umbrella"]
    assert "Bucket 31-60" in page.locator(".filter-badges").inner_text()
    assert page.console_errors == []

    page.fill("#f-min", "2500")
    page.press("#f-min", "Enter")
    page.wait_for_url(re.compile(r"min_amount=2500"))
    page.wait_for_function("() => document.querySelectorAll('.filter-badge').length === 3")
    assert _table_names(page) == ["Tyrell"]

    page.go_back()  # htmx keeps no history cache: the browser reloads the previous URL
    page.wait_for_function(
        "() => document.querySelector('.filter-badge[data-param=bucket]') && "
        "!document.querySelector('.filter-badge[data-param=min_amount]')"
    )
    assert "min_amount" not in page.url and "bucket=31_60" in page.url
    assert page.input_value("#f-min") == ""
    assert _table_names(page) == ["Tyrell", "Umbrella"]

    page.click('.filter-badge[data-param="bucket"] .remove-filter')
    page.wait_for_function("() => !document.querySelector('.filter-badge[data-param=\"bucket\"]')")
    assert "bucket=" not in page.url
    assert sorted(_table_names(page)) == sorted(everyone)


def test_customer_name_suggestions_come_from_the_api(signed_in, shop):
    page = signed_in
    page.goto(page.base + _pages(shop)["filtered"])
    _settle(page)
    with page.expect_response(lambda r: "customer-suggestions" in r.url):
        page.type("#f-customer-name", "Sta", delay=30)
    page.wait_for_function(
        "() => document.querySelectorAll('#customer-suggestions option').length > 0"
    )
    assert (
        page.locator("#customer-suggestions option").first.get_attribute("value")
        == "Stark Industries"
    )

    page.fill("#f-customer-name", "Stark Industries")
    page.wait_for_url(re.compile(r"name=Stark(\+|%20)Industries"))
    page.wait_for_function(
        "() => document.querySelectorAll('.filtered-table tbody tr').length === 1"
    )
    assert _table_names(page) == ["Stark Industries"]
    assert "Name starts with “Stark Industries”" in page.locator(".filter-badges").inner_text()


def test_drill_down_and_back_keep_the_report_state(signed_in, shop):
    page = signed_in
    report = page.base + _pages(shop)["report"] + "&sort=customer"
    page.goto(report)
    assert page.locator("#report-table tbody th a").first.inner_text() == "Globex"
    page.click("#report-table tbody th a >> text=Globex")
    page.wait_for_url(re.compile(r"/ar/report/customer/"))
    assert page.locator("h1").inner_text() == "Globex"
    assert page.locator(".application-row").count() == 1  # 200.00 applied on 2026-06-10

    page.click(".back-to-report")
    page.wait_for_url(re.compile(r"/ar/report/\?"))
    assert "sort=customer" in page.url and DAY in page.url
    assert page.locator("#report-table tbody th a").first.inner_text() == "Globex"

    page.go_back()
    page.go_back()
    assert page.url == report


def test_print_media_hides_navigation_and_shows_the_report_header(signed_in, shop):
    page = signed_in
    page.goto(page.base + _pages(shop)["report"] + "&bucket=1_30")
    assert page.locator("nav.navbar").is_visible()
    page.emulate_media(media="print")

    assert not page.locator("nav.navbar").is_visible()
    assert not page.locator("main form").first.is_visible()
    assert not page.locator(".export-buttons").is_visible()
    header = page.locator(".print-header")
    assert header.is_visible()
    # Acme's time zone is UTC: no country, so the language's own format (en).
    assert "as of June 30, 2026" in header.inner_text() and "Bucket 1-30" in header.inner_text()
    assert page.evaluate("getComputedStyle(document.querySelector('thead')).display") == (
        "table-header-group"
    )
    from ar_dashboard.tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(ARTIFACTS / "report-print.pdf"), landscape=True, print_background=False)


def test_company_switcher_changes_company(signed_in, shop):
    page = signed_in
    page.goto(page.base + _pages(shop)["report"])
    page.select_option("#company-switcher", str(shop.other.pk))
    page.wait_for_url(re.compile(rf"company={shop.other.pk}"))
    assert "Second Trading" in page.locator("main").inner_text()


def test_a_widget_moves_with_the_keyboard_and_stays_moved(signed_in, shop, core_widgets):
    DashboardLayout.objects.filter(user=shop.alice).update(
        layout=[{**core_widgets[0]}, {**core_widgets[1], "x": 0, "y": 4}]
    )
    page = signed_in
    page.goto(page.base + _pages(shop)["widgets"])
    _settle(page)
    page.focus('.grid-stack-item[gs-id="aging_pie"] .widget-head h2')
    with page.expect_response(
        lambda r: "/ar/widgets/layout/" in r.url and r.request.method == "PUT"
    ):
        page.keyboard.press("ArrowRight")
    assert "column 2, row 1" in page.locator("#layout-status").inner_text()

    page.reload()
    _settle(page)
    assert page.locator('.grid-stack-item[gs-id="aging_pie"]').get_attribute("gs-x") == "1"


def test_several_buckets_and_a_risk_band_narrow_the_table(signed_in, shop):
    """31-60 (Tyrell 35 d 2,750.00, Umbrella 45 d 1,500.00) and 120+ (Wayne 150 d 2,250.00);
    then the high band keeps only the customers whose balance is mostly long overdue."""
    page = signed_in
    page.goto(page.base + _pages(shop)["filtered"])
    _settle(page)
    page.click('label[for="f-bucket-31_60"]')
    page.wait_for_url(re.compile(r"bucket=31_60"))
    page.wait_for_function(
        "() => document.querySelectorAll('.filtered-table tbody tr').length === 2"
    )
    page.click('label[for="f-bucket-over_120"]')
    page.wait_for_url(re.compile(r"bucket=31_60&bucket=over_120"))
    page.wait_for_function(
        "() => document.querySelectorAll('.filtered-table tbody tr').length === 3"
    )
    assert _table_names(page) == [
        "Tyrell",
        "Wayne Enterprises International Holdings",
        "Umbrella",
    ]
    assert page.locator('.filter-badge[data-param="bucket"]').count() == 2
    export = page.locator(".export-buttons a").first.get_attribute("href")
    assert "bucket=31_60&bucket=over_120" in export

    page.select_option("#f-band", "high")
    page.wait_for_url(re.compile(r"band=high"))
    page.locator('.filter-badge[data-param="band"]').wait_for()
    page.wait_for_function(
        "() => document.querySelectorAll('.filtered-table tbody tr').length === 1"
    )
    assert _table_names(page) == ["Wayne Enterprises International Holdings"]
    assert "band=high" in page.locator(".export-buttons a").first.get_attribute("href")

    page.click('.filter-badge[data-param="bucket"] .remove-filter >> nth=0')  # 31-60
    page.wait_for_function(
        "() => document.querySelectorAll('.filter-badge[data-param=bucket]').length === 1"
    )
    assert "bucket=over_120" in page.url and "bucket=31_60" not in page.url
    assert page.console_errors == []


def test_widgets_reorder_on_a_phone_and_stay_reordered(signed_in, shop, core_widgets):
    """At 390 px: one column in reading order; ↓ on the pie swaps it with top customers in
    the saved 12-column layout (pie to x 4, top customers to x 0, same row); Enter on ↑
    (the keyboard) swaps them back."""
    page = signed_in
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base + _pages(shop)["widgets"])
    _settle(page)
    order = "() => Array.from(document.querySelectorAll('#widget-grid .grid-stack-item'))"
    keys = order + ".map(e => e.dataset.widget)"
    assert page.evaluate(keys) == ["aging_pie", "top_customers"]
    pie = '.grid-stack-item[gs-id="aging_pie"]'
    assert page.locator(f'{pie} [data-move="-1"]').is_disabled()
    screenshot(page, "widgets-phone-390")

    with page.expect_response(
        lambda r: "/ar/widgets/layout/" in r.url and r.request.method == "PUT"
    ):
        page.click(f'{pie} [data-move="1"]')
    assert "Aging mix moved to position 2 of 2" in page.locator("#layout-status").inner_text()
    saved = {w["widget"]: (w["x"], w["y"]) for w in DashboardLayout.objects.get().layout}
    assert saved == {"aging_pie": (4, 0), "top_customers": (0, 0)}

    page.reload()
    _settle(page)
    assert page.evaluate(keys) == ["top_customers", "aging_pie"]
    top_y = page.locator('.grid-stack-item[gs-id="top_customers"]').get_attribute("gs-y")
    pie_y = page.locator(pie).get_attribute("gs-y")
    assert int(top_y) < int(pie_y)
    assert horizontal_overflow(page) <= 0

    page.focus(f'{pie} [data-move="-1"]')
    with page.expect_response(
        lambda r: "/ar/widgets/layout/" in r.url and r.request.method == "PUT"
    ):
        page.keyboard.press("Enter")
    saved = {w["widget"]: (w["x"], w["y"]) for w in DashboardLayout.objects.get().layout}
    assert saved == {"aging_pie": (0, 0), "top_customers": (4, 0)}
    assert page.console_errors == []
