"""Reminder and scheduled-report emails: a plain-text part and an HTML alternative stating the
same open items and totals, the files still attached (django.core.mail.outbox, parsed back).

Conftest ledger on 2026-06-30: Globex G-1 (10 days, 1000.00) and G-2 (45 days, 500.00) → one
email at the 30-day stage; Umbrella's U-1 disputed, Initech opted out (as in the SMTP tests).
"""

import email
import re
from datetime import UTC, date, datetime
from email import policy
from html import unescape

import pytest
from django.core import mail

from ar_collections.models import CollectionSettings
from ar_collections.services import activities, reminders
from ar_collections.services.reports import scheduled_reports_send
from ar_collections.tests.conftest import AS_OF


@pytest.fixture
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _parts(sent) -> tuple[str, str, list]:
    """(plain text, HTML as text, attachments) of the message as it goes on the wire."""
    message = email.message_from_bytes(sent.message().as_bytes(), policy=policy.default)
    plain = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(preferencelist=("html",)).get_content()
    return plain, html, list(message.iter_attachments())


def _visible(html: str) -> str:
    """The HTML part's text as a reader sees it: tags dropped, entities decoded."""
    return unescape(re.sub(r"<br>|</p>|</tr>", "\n", re.sub(r"<(?!br>|/p>|/tr>)[^>]+>", " ", html)))


def test_a_reminder_has_plain_and_html_parts_with_the_same_items_and_statement(
    ledger, alice, locmem
):
    activities.customer_reminders_set(customer=ledger.initech, opt_out=True)
    activities.dispute_open(
        invoice=ledger.docs.u1, reason="Goods damaged", author=alice, opened_on=date(2026, 6, 1)
    )

    run = reminders.reminders_send(company=ledger.company, as_of=AS_OF)

    assert [m.customer.name for m in run.sent] == ["Globex"]
    (sent,) = mail.outbox
    plain, html, attachments = _parts(sent)
    items = [
        "G-1  due 2026-06-20  $1,000.00  (10 days overdue)",
        "G-2  due 2026-05-16  $500.00  (45 days overdue)",
        "Total open: $1,500.00",
    ]
    shown = _visible(html)
    for line in items:
        assert line in plain
        assert line in shown
    assert "Dear Globex," in plain and "Dear Globex," in shown
    assert "U-1" not in plain + html  # another customer's disputed invoice
    assert html.count('style="white-space:pre-wrap;') >= 3  # the alignment spaces are kept
    assert [(a.get_filename(), a.get_content_type()) for a in attachments] == [
        ("statement-2026-06-30.pdf", "application/pdf")
    ]
    assert attachments[0].get_content().startswith(b"%PDF")


def test_a_reminder_html_part_escapes_the_companys_text(ledger, locmem):
    ledger.globex.name = "Smith & <b>Sons</b>"
    ledger.globex.save()
    stage = reminders.reminder_cadence_ensure(company=ledger.company)[1]
    stage.body = "Dear {{ customer.name }},\n\n<script>alert(1)</script> Total open: {{ total }}"
    stage.attach_statement = False
    stage.save()

    reminders.reminder_send_now(customer=ledger.globex, stage=stage, as_of=AS_OF, currency="USD")

    plain, html, attachments = _parts(mail.outbox[0])
    assert "Dear Smith & <b>Sons</b>," in plain  # plain text is not escaped
    assert "Dear Smith &amp; &lt;b&gt;Sons&lt;/b&gt;," in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Total open: $1,500.00" in plain and "Total open: $1,500.00" in html
    assert attachments == []


def test_a_retried_reminder_sends_the_same_words_in_both_parts(ledger, locmem):
    message = reminders.reminder_render(
        customer=ledger.globex,
        stage=reminders.reminder_cadence_ensure(company=ledger.company)[3],
        as_of=AS_OF,
    )
    html = reminders.reminder_html(
        subject=message.subject, body=message.body, company=ledger.company
    )

    for line in message.body.strip().splitlines():
        assert line.strip() in _visible(html)


def test_the_scheduled_report_states_each_bucket_and_the_total_in_both_parts(ledger, locmem):
    """As of Friday 2026-06-26 (sent Monday 06-29): Current 5000.00 (S-1); 1-30 3000.00 (G-1,
    H-1); 31-60 500.00 (G-2); 61-90 nothing; 91-120 800.00 (I-1); 120+ 300.00 (U-1): 9600.00
    over 6 documents."""
    CollectionSettings.objects.create(
        company=ledger.company,
        report_enabled=True,
        report_recipients="cfo@acme.example",
        report_weekday=0,
    )

    scheduled_reports_send(
        today_for=lambda c: date(2026, 6, 29), generated_at=datetime(2026, 6, 29, 7, 0, tzinfo=UTC)
    )

    (sent,) = mail.outbox
    plain, html, attachments = _parts(sent)
    expected = [
        ("Current", "1", "$5,000.00"),
        ("1-30", "2", "$3,000.00"),
        ("31-60", "1", "$500.00"),
        ("61-90", "0", "$0.00"),
        ("91-120", "1", "$800.00"),
        ("120+", "1", "$300.00"),
    ]
    rows = re.findall(r"<tr><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td>", html)
    assert rows == expected
    for label, documents, amount in expected:
        assert re.search(
            rf"^  {re.escape(label)} +{re.escape(amount)}  \({documents} documents\)$", plain, re.M
        )
    assert "Total AR: $9,600.00 (6 documents)" in plain
    assert re.search(r"Total AR</td>.*>6</td>.*>\$9,600.00</td>", html)
    assert [a.get_filename() for a in attachments] == [
        "aging-summary-2026-06-26.pdf",
        "aging-summary-2026-06-26.xlsx",
    ]
