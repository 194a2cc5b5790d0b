"""Collections fixtures: the three users (+ a collector), a hand-made overdue ledger, a pinned
clock, and a real SMTP server on loopback (aiosmtpd) for the reminder runs.

Ledger of company A (USD), as of 2026-06-30 (the pinned today), default aging scheme:

| customer | email               | invoice | due        | days | amount  | bucket |
|----------|---------------------|---------|------------|------|---------|--------|
| Globex   | ap@globex.example   | G-1     | 2026-06-20 |   10 | 1000.00 | 1-30   |
| Globex   |                     | G-2     | 2026-05-16 |   45 |  500.00 | 31-60  |
| Initech  | ap@initech.example  | I-1     | 2026-03-27 |   95 |  800.00 | 91-120 |
| Umbrella | ar@umbrella.example | U-1     | 2026-02-20 |  130 |  300.00 | 120+   |
| Hooli    | (none)              | H-1     | 2026-06-25 |    5 | 2000.00 | 1-30   |
| Stark    | ap@stark.example    | S-1     | 2026-08-30 |  -61 | 5000.00 | Current|
"""

import socket
from datetime import UTC, date, datetime
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from ar_dashboard.models import Membership
from ar_dashboard.tests.factories import (
    CompanyFactory,
    CustomerFactory,
    InvoiceFactory,
    MembershipFactory,
    UserFactory,
)

AS_OF = date(2026, 6, 30)
NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_retry_wait(settings):
    settings.REMINDER_RETRY_SECONDS = 0


@pytest.fixture
def no_risk_bands(monkeypatch):
    """Holds the analytics risk score out, so a ranking is the formula's alone and can be
    computed by hand here (the band weights have their own test)."""
    from ar_collections import adapters

    monkeypatch.setattr(adapters, "risk_bands", lambda **_: {})


@pytest.fixture
def pinned_today(time_machine):
    time_machine.move_to(NOW, tick=False)
    return AS_OF


@pytest.fixture
def company_a(db):
    return CompanyFactory(name="Acme Supplies", home_currency="USD", timezone="UTC")


@pytest.fixture
def company_b(db):
    return CompanyFactory(name="Borealis Trading", home_currency="EUR", timezone="Europe/Paris")


def _member(name: str, company, role):
    user = UserFactory(username=name)
    MembershipFactory(user=user, company=company, role=role)
    return user


@pytest.fixture
def alice(company_a):
    return _member("alice", company_a, Membership.Role.ADMIN)


@pytest.fixture
def bob(company_a):
    return _member("bob", company_a, Membership.Role.VIEWER)


@pytest.fixture
def carol(company_a):
    return _member("carol", company_a, Membership.Role.COLLECTOR)


@pytest.fixture
def charlie(company_b):
    return _member("charlie", company_b, Membership.Role.ADMIN)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def invoice(company, customer, number: str, due: date, amount: str, **extra):
    return InvoiceFactory(
        company=company,
        customer=customer,
        number=number,
        posted_on=date(2026, 1, 1),
        due_on=due,
        total=D(amount),
        **extra,
    )


@pytest.fixture
def ledger(company_a, pinned_today):
    c = company_a
    globex = CustomerFactory(company=c, name="Globex", email="ap@globex.example")
    initech = CustomerFactory(company=c, name="Initech", email="ap@initech.example")
    umbrella = CustomerFactory(company=c, name="Umbrella", email="ar@umbrella.example")
    hooli = CustomerFactory(company=c, name="Hooli", email="")
    stark = CustomerFactory(company=c, name="Stark", email="ap@stark.example")
    docs = SimpleNamespace(
        g1=invoice(c, globex, "G-1", date(2026, 6, 20), "1000.00"),
        g2=invoice(c, globex, "G-2", date(2026, 5, 16), "500.00"),
        i1=invoice(c, initech, "I-1", date(2026, 3, 27), "800.00"),
        u1=invoice(c, umbrella, "U-1", date(2026, 2, 20), "300.00"),
        h1=invoice(c, hooli, "H-1", date(2026, 6, 25), "2000.00"),
        s1=invoice(c, stark, "S-1", date(2026, 8, 30), "5000.00"),
    )
    return SimpleNamespace(
        company=c,
        globex=globex,
        initech=initech,
        umbrella=umbrella,
        hooli=hooli,
        stark=stark,
        docs=docs,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping what it receives; `fail_next` answers 451 that many times."""

    def __init__(self):
        self.envelopes = []
        self.fail_next = 0

    async def handle_DATA(self, server, session, envelope):
        if self.fail_next > 0:
            self.fail_next -= 1
            return "451 4.3.0 Try again later (injected)"
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self):
        from email import message_from_bytes, policy

        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a loopback port; Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "ar@acme.example"
    inbox.port = port
    inbox.controller = controller
    yield inbox
    controller.stop()
