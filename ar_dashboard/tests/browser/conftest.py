"""Browser fixtures: one Chromium per module, a signed-in page per test, a small ledger.

The clock is not pinned here (the browser keeps real time, and a session cookie issued at a
pinned past date would already have expired for it): every URL passes `as_of` instead.
"""

import os
import shutil
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client

from ar_dashboard.models import Allocation, DashboardLayout, Invoice, Membership
from ar_dashboard.tests.factories import (
    AllocationFactory,
    CompanyFactory,
    CustomerFactory,
    InvoiceFactory,
    MembershipFactory,
    UserFactory,
)

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "browser"
AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core-4.10.3" / "axe.min.js"
AS_OF = date(2026, 6, 30)
WIDTHS = (375, 768, 1440)
CORE_WIDGETS = [
    {"widget": "aging_pie", "x": 0, "y": 0, "w": 4, "h": 4},
    {"widget": "top_customers", "x": 4, "y": 0, "w": 8, "h": 4},
]


@pytest.fixture(scope="module")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (make test installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM work is done before,
    # and the flag is only set while these tests run (it must never reach a deployment).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
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
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def shop(transactional_db):
    """Acme (USD) as of 2026-06-30: eight customers, every bucket used, a credit memo, a
    payment applied before the report date; alice is a viewer of Acme and of a second company."""
    company = CompanyFactory(name="Acme Supplies", home_currency="USD", timezone="UTC")
    other = CompanyFactory(name="Second Trading", home_currency="EUR")
    alice = UserFactory(username="alice")
    MembershipFactory(user=alice, company=company, role=Membership.Role.VIEWER)
    MembershipFactory(user=alice, company=other, role=Membership.Role.VIEWER)
    names = [
        "Globex",
        "Initech",
        "Umbrella",
        "Hooli",
        "Stark Industries",
        "Wayne Enterprises International Holdings",
        "Soylent",
        "Tyrell",
    ]
    customers = {name: CustomerFactory(company=company, name=name) for name in names}
    ages = [0, 15, 45, 75, 100, 150, 5, 35]
    for n, (name, days) in enumerate(zip(names, ages, strict=True)):
        due = AS_OF - timedelta(days=days)
        amount = D(1000 + 250 * n)
        InvoiceFactory(
            company=company,
            customer=customers[name],
            posted_on=due - timedelta(days=30),
            due_on=due,
            total=amount,
            balance=amount,
        )
    paid = InvoiceFactory(
        company=company,
        customer=customers["Globex"],
        posted_on=date(2026, 5, 1),
        due_on=date(2026, 5, 31),
        total=D("600.00"),
        paid=D("200.00"),
        balance=D("400.00"),
    )
    AllocationFactory(
        document=paid,
        amount=D("200.00"),
        allocated_on=date(2026, 6, 10),
        kind=Allocation.Kind.PAYMENT,
        ref="pay:p-77",
    )
    InvoiceFactory(
        company=company,
        customer=customers["Initech"],
        doc_type=Invoice.DocType.CREDITMEMO,
        posted_on=date(2026, 6, 20),
        due_on=date(2026, 6, 20),
        total=D("-150.00"),
        balance=D("-150.00"),
        number="CM-1",
    )
    return SimpleNamespace(company=company, other=other, alice=alice, customers=customers)


@pytest.fixture
def core_widgets(shop):
    """A saved layout of the core API's widgets only (the analytics widgets are tested apart)."""
    DashboardLayout.objects.create(user=shop.alice, company=shop.company, layout=CORE_WIDGETS)
    return CORE_WIDGETS


@pytest.fixture
def signed_in(chromium, live_server, shop):
    """A fresh browser context signed in as alice, recording console errors."""
    client = Client()
    client.force_login(shop.alice)
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    page.base = live_server.url
    yield page
    context.close()


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


def serious_axe_violations(page) -> list[str]:
    # Loaded from the server's static files: the CSP refuses inline script, which is what
    # add_script_tag(path=…) would insert.
    origin = "/".join(page.url.split("/")[:3])
    page.add_script_tag(url=f"{origin}/static/vendor/{AXE.parent.name}/{AXE.name}")
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.help + ' @ ' + "
        "v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))"
    )
    return violations


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
