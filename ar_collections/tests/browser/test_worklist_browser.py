"""In a real browser (Debian's Chromium via Playwright): a collector logs a note and a promise
to pay from the worklist, and sees them on the customer's page.

The clock starts at 2026-06-30 12:00 UTC and ticks (Playwright needs time to pass).
"""

import os
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
import time_machine

from ar_collections.models import Activity, Promise
from ar_dashboard.models import Membership
from ar_dashboard.tests.factories import (
    CompanyFactory,
    CustomerFactory,
    InvoiceFactory,
    MembershipFactory,
    UserFactory,
)

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM} (make test installs it)"
)
PASSWORD = "correct horse battery staple"
SHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "/tmp/collections-browser"))


@pytest.fixture
def browser_page(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        yield page
        browser.close()


@pytest.fixture
def worklist(transactional_db):
    with time_machine.travel(datetime(2026, 6, 30, 12, tzinfo=UTC), tick=True):
        company = CompanyFactory(name="Acme Supplies", home_currency="USD")
        user = UserFactory(username="carol", password=PASSWORD)
        MembershipFactory(user=user, company=company, role=Membership.Role.COLLECTOR)
        globex = CustomerFactory(company=company, name="Globex", email="ap@globex.example")
        hooli = CustomerFactory(company=company, name="Hooli")
        InvoiceFactory(
            company=company, customer=globex, due_on=date(2026, 5, 16), total=D("500.00")
        )
        InvoiceFactory(
            company=company, customer=hooli, due_on=date(2026, 6, 25), total=D("2000.00")
        )
        yield globex


@pytest.mark.usefixtures("no_risk_bands")
def test_a_collector_logs_a_note_and_a_promise_from_the_worklist(
    live_server, worklist, browser_page
):
    page = browser_page
    page.goto(f"{live_server.url}/ar/collections/")
    page.fill("#id_username", "carol")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Collections worklist"
    rows = page.locator("#worklist tbody tr")
    # Hooli 2000×1 = 2000.00 ranks above Globex 500×1.5 = 750.00.
    assert [rows.nth(i).locator("td").nth(1).inner_text() for i in range(2)] == [
        "Hooli",
        "Globex",
    ]
    globex = page.locator(f"#worklist tr[data-customer='{worklist.pk}']")
    globex.locator("summary").click()
    globex.locator("textarea[name=body]").fill("Spoke to Jane in AP: payment run on Friday")
    globex.locator(".note-form button").click()
    page.wait_for_load_state()
    assert "Note logged for Globex." in page.locator(".alert-success").inner_text()
    page.screenshot(path=str(SHOTS / "worklist-after-note.png"), full_page=True)

    globex = page.locator(f"#worklist tr[data-customer='{worklist.pk}']")
    globex.locator("summary").click()
    globex.locator("input[name=amount]").fill("500.00")
    globex.locator("input[name=promised_on]").fill("2026-07-03")
    page.screenshot(path=str(SHOTS / "worklist-promise-form.png"), full_page=True)
    globex.locator(".promise-form button").click()
    page.wait_for_load_state()
    assert (
        "Promise of 500 USD by 2026-07-03 recorded for Globex."
        in page.locator(".alert-success").inner_text()
    )
    # 750.00 × 0.5 (a promise is open) × 0.5 (made today: a contact in the last 7 days).
    globex = page.locator(f"#worklist tr[data-customer='{worklist.pk}']")
    assert "187.50" in globex.inner_text() and "by 2026-07-03" in globex.inner_text()
    page.screenshot(path=str(SHOTS / "worklist-after-promise.png"), full_page=True)

    globex.locator("td").nth(1).locator("a").click()
    page.wait_for_load_state()
    activity = page.locator("#activity").inner_text()
    assert "Spoke to Jane in AP" in activity and "Promised 500.00 USD by 2026-07-03" in activity
    assert "open" in page.locator("#promises").inner_text()
    page.screenshot(path=str(SHOTS / "customer-page.png"), full_page=True)
    assert Activity.objects.filter(kind="note").count() == 1
    assert Promise.objects.get().amount == D("500.00")


def test_the_worklist_fits_a_phone(live_server, worklist, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/?next=/ar/collections/")
    page.fill("#id_username", "carol")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    # The worklist itself (the shared navigation bar is not this page's): the table scrolls
    # inside its card rather than widening the page.
    width = page.evaluate("document.querySelector('main').scrollWidth")
    page.screenshot(path=str(SHOTS / "worklist-phone.png"), full_page=True)
    assert width <= 390
