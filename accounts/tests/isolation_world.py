"""Two companies with a row in every table an endpoint or an admin page shows.

Company A's names and amounts are distinctive (`A_MARKERS`), so a probe can assert that none of
them reaches a user of company B. Company B gets the same rows under its own names, so the
admin lists can show that B's staff do see B's rows.
"""

from datetime import UTC, date, datetime
from decimal import Decimal as D
from types import SimpleNamespace

from accounts.models import AuditEntry, CompanyProfile, Invitation
from accounts.services.members import invitation_token
from ar_collections.models import (
    Activity,
    CollectionSettings,
    CustomerCollections,
    Dispute,
    Promise,
    ReminderItem,
    ReminderMessage,
    ReminderStage,
)
from ar_collections.services import reminders
from ar_dashboard.models import (
    ARSnapshot,
    ARSummary,
    Company,
    DashboardLayout,
    ExchangeRate,
    Membership,
    SyncCursor,
    SyncLog,
)
from ar_dashboard.tests.factories import (
    AllocationFactory,
    CustomerFactory,
    InvoiceFactory,
    PaymentFactory,
    UserFactory,
)

AS_OF = date(2026, 3, 15)
# What no user outside company A may ever read: its name, its customers' names, its totals
# (as JSON decimals, as a page formats them, and as a CSV writes them): invoices of 7,345.67
# and 1.00 (Zephyrine) and 2,218.09 (Quillfeather), 9,564.76 in all.
A_CUSTOMERS = ("Zephyrine Holdings", "Quillfeather Ltd")
A_MARKERS = (
    "Acme Supplies",
    *A_CUSTOMERS,
    "7345.67",
    "7,345.67",
    "2218.09",
    "2,218.09",
    "9564.76",
    "9,564.76",
)


def company_rows(company: Company, names: tuple[str, str], amounts: tuple[str, str]):
    """A customer with two invoices and a payment, the collections records, a sync, the setup
    records and one row of every summary table, all in `company`."""
    first = CustomerFactory(company=company, name=names[0], email="ap@first.example")
    second = CustomerFactory(company=company, name=names[1])
    invoice = InvoiceFactory(
        company=company,
        customer=first,
        total=D(amounts[0]),
        posted_on=date(2026, 1, 10),
        due_on=date(2026, 2, 9),
    )
    InvoiceFactory(company=company, customer=second, total=D(amounts[1]))
    undisputed = InvoiceFactory(company=company, customer=first, total=D("1.00"))
    payment = PaymentFactory(company=company, customer=first, total=D("10.00"))
    AllocationFactory(document=invoice, amount=D("0.01"), allocated_on=date(2026, 2, 1))
    note = Activity.objects.create(
        company=company, customer=first, kind="note", body=f"{names[0]} note", occurred_on=AS_OF
    )
    promised = Activity.objects.create(
        company=company, customer=first, kind="promise", occurred_on=AS_OF
    )
    promise = Promise.objects.create(
        company=company,
        customer=first,
        activity=promised,
        made_on=AS_OF,
        promised_on=date(2026, 3, 20),
        counts_until=date(2026, 3, 23),
        amount=D("100.00"),
        currency="USD",
    )
    disputed = Activity.objects.create(
        company=company, customer=first, kind="dispute", occurred_on=AS_OF
    )
    dispute = Dispute.objects.create(
        company=company,
        customer=first,
        invoice=invoice,
        activity=disputed,
        reason="Wrong quantity",
        opened_on=AS_OF,
    )
    CustomerCollections.objects.create(company=company, customer=first)
    CollectionSettings.objects.get_or_create(company=company)
    reminders.reminder_cadence_ensure(company=company)
    stage = ReminderStage.objects.filter(company=company).first()
    message = ReminderMessage.objects.create(
        company=company, customer=first, stage=stage, run_on=AS_OF, subject="s", body="b"
    )
    ReminderItem.objects.create(message=message, invoice=invoice, stage=stage)
    sync = SyncLog.objects.create(company=company, status=SyncLog.Status.SUCCESS)
    SyncCursor.objects.create(
        company=company, object_type="invoice", updated_gte=datetime(2026, 3, 1, tzinfo=UTC)
    )
    ARSummary.objects.create(
        company=company, customer=first, as_of=AS_OF, basis="due", currency="USD", total=D(1)
    )
    ARSnapshot.objects.create(company=company, as_of=AS_OF, basis="due", currency="USD")
    ExchangeRate.objects.create(
        company=company, currency="GBP", home_currency="USD", rate_date=AS_OF, rate=D("1.25")
    )
    CompanyProfile.objects.get_or_create(company=company)
    AuditEntry.objects.create(company=company, actor="setup", action="settings.changed")
    invitation = Invitation.objects.create(
        company=company, email=f"new@{company.pk}.example", role="viewer"
    )
    return SimpleNamespace(
        company=company,
        customer=first,
        invoice=invoice,
        undisputed=undisputed,
        payment=payment,
        activity=note,
        promise=promise,
        dispute=dispute,
        stage=stage,
        message=message,
        sync=sync,
        invitation=invitation,
        token=invitation_token(invitation),
    )


def build_world(company_a: Company, company_b: Company) -> SimpleNamespace:
    """Company A (viewer, collector, admin) and company B (its admin: the outsider)."""
    a = company_rows(company_a, A_CUSTOMERS, ("7345.67", "2218.09"))
    b = company_rows(company_b, ("Bergamot Imports", "Birchwood Mills"), ("11.00", "22.00"))
    users = {}
    for role in ("viewer", "collector", "admin"):
        users[role] = UserFactory(username=f"a-{role}")
        Membership.objects.create(user=users[role], company=company_a, role=role)
    users["outsider"] = UserFactory(username="b-admin")
    Membership.objects.create(user=users["outsider"], company=company_b, role="admin")
    DashboardLayout.objects.create(
        user=users["admin"],
        company=company_a,
        layout=[{"widget": "aging_pie", "x": 0, "y": 0, "w": 4, "h": 4}],
    )
    a.viewer_membership = Membership.objects.get(user=users["viewer"])
    return SimpleNamespace(a=a, b=b, users=users)
