"""In a real browser (Debian's Chromium driven by Playwright): sign in, see the home figures.

`make test` installs Chromium when it is missing; elsewhere these tests skip, saying why.
"""

import os
import shutil
from datetime import date
from decimal import Decimal as D

import pytest

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


@pytest.fixture
def browser_page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM work is done before,
    # and the flag is only set for this test (it must never reach a deployment).
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
def ledger(transactional_db):
    company = CompanyFactory(name="Acme Supplies", home_currency="USD")
    user = UserFactory(username="alice", password=PASSWORD)
    MembershipFactory(user=user, company=company, role=Membership.Role.VIEWER)
    globex = CustomerFactory(company=company, name="Globex")
    # Due 2026-06-30 → 1 day past due on 1 July; due 2026-08-01 → current.
    InvoiceFactory(company=company, customer=globex, due_on=date(2026, 6, 30), total=D("1234.50"))
    InvoiceFactory(company=company, customer=globex, due_on=date(2026, 8, 1), total=D("100.00"))
    return company


def test_sign_in_and_see_the_company_figures(live_server, ledger, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/ar/?as_of=2026-07-01")
    assert "/accounts/login/" in page.url  # login required
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Acme Supplies"
    kpis = page.locator(".kpi-value").all_inner_texts()
    assert kpis[:2] == ["$1,334.50", "$1,234.50"]  # total AR, overdue
    assert "Globex" in page.locator("table").nth(1).inner_text()


def test_wrong_password_is_refused(live_server, ledger, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "not it")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "didn't match" in page.locator(".alert-danger").inner_text()
