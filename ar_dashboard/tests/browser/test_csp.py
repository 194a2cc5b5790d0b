"""Under the Content-Security-Policy (no inline script or style) every page still works and the
browser reports no violation: home, widgets, filtered, report, settings and sync progress."""

import pytest

from ar_dashboard.models import Membership, SyncLog

from .conftest import AS_OF

# Registered before any page script (through DevTools, which the CSP does not govern).
COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile
                    + ":" + e.lineNumber);
});
"""


@pytest.fixture
def admin_page(signed_in, shop):
    """alice as an admin of Acme (settings need it), watching for CSP violations."""
    Membership.objects.filter(user=shop.alice, company=shop.company).update(
        role=Membership.Role.ADMIN
    )
    signed_in.context.add_init_script(COLLECT_VIOLATIONS)
    return signed_in


def violations(page) -> list[str]:
    reported = page.evaluate("window.__csp")
    console = [m for m in page.console_errors if "Content Security Policy" in m]
    return reported + console


def hover_charts(page) -> None:
    """ECharts writes its tooltips as HTML: show one on every chart."""
    for chart in page.locator(".widget-chart svg, .chart-box svg").all()[:4]:
        box = chart.bounding_box()
        if box:
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_timeout(150)


def test_pages_work_under_the_csp_without_violations(admin_page, shop, core_widgets):
    page = admin_page
    c = shop.company.pk
    sync = SyncLog.objects.create(company=shop.company, status="success", trigger="manual")
    pages = {
        "home": (f"/ar/?company={c}&as_of={AS_OF}", ".kpi-value"),
        "widgets": (f"/ar/widgets/?company={c}&as_of={AS_OF}", ".widget-chart svg"),
        "filtered": (f"/ar/filtered/?company={c}&as_of={AS_OF}", ".filtered-table tbody tr"),
        "report": (f"/ar/report/?company={c}&as_of={AS_OF}", ".report-table tbody tr"),
        "settings": (f"/ar/settings/?company={c}", "#aging-preview"),
        "sync": (f"/ar/syncs/{sync.pk}/", "#sync-done:not(.d-none)"),
    }
    for name, (path, ready) in pages.items():
        page.goto(page.base + path)
        page.locator(ready).first.wait_for()
        page.wait_for_load_state("networkidle")
        hover_charts(page)
        assert violations(page) == [], name
    assert page.console_errors == []


def test_scripts_moved_out_of_the_templates_still_run(admin_page, shop):
    page = admin_page
    c = shop.company.pk
    # Settings: the aging preview is computed from the widths typed.
    page.goto(f"{page.base}/ar/settings/?company={c}")
    page.fill("#id_aging_widths", "15,30")
    page.wait_for_function(
        "() => document.getElementById('aging-preview').textContent.includes('16-45')"
    )
    # The company switcher submits on change (data-autosubmit).
    page.goto(f"{page.base}/ar/?company={c}&as_of={AS_OF}")
    page.select_option("#company-switcher", str(shop.other.pk))
    page.wait_for_url(f"**company={shop.other.pk}**")
    # The print button calls window.print (data-print).
    page.goto(f"{page.base}/ar/report/?company={c}&as_of={AS_OF}")
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("[data-print]")
    assert page.evaluate("window.__printed") is True
    assert violations(page) == []


def test_disconnect_asks_first(admin_page, shop):
    page = admin_page
    shop.company.unified_connection_id = "conn-csp"
    shop.company.save(update_fields=["unified_connection_id"])
    page.goto(f"{page.base}/ar/settings/?company={shop.company.pk}")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#disconnect")
    page.wait_for_timeout(300)
    assert asked == ["Disconnect QuickBooks? Syncs stop; the data stays until you delete it."]
    assert "/ar/settings/" in page.url  # dismissed: nothing was posted
    shop.company.refresh_from_db()
    assert shop.company.unified_connection_id == "conn-csp"
