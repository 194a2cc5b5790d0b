"""A full reminder run through a real SMTP server on loopback (aiosmtpd), messages parsed back.

Cadence: the default stages −3, 1, 15, 30, 60 days after due. On 2026-06-30 (conftest ledger):
- Globex: G-1 10 days (stage 1), G-2 45 days (stage 30) → one email, stage 30, both items;
- Initech: I-1 95 days (stage 60) but opted out → nothing;
- Umbrella: U-1 130 days (stage 60) but in dispute → nothing;
- Hooli: H-1 5 days (stage 1), no email address → skipped, reported;
- Stark: S-1 due in 61 days → nothing.
"""

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from ar_collections.models import Activity, ReminderItem, ReminderMessage
from ar_collections.services import activities, reminders
from ar_collections.tests.conftest import AS_OF, free_port


@pytest.fixture
def setup(ledger, alice):
    activities.customer_reminders_set(customer=ledger.initech, opt_out=True)
    activities.dispute_open(
        invoice=ledger.docs.u1, reason="Goods damaged", author=alice, opened_on=date(2026, 6, 1)
    )
    return ledger


def test_a_run_sends_due_reminders_once_respecting_opt_out_and_disputes(setup, smtp):
    run = reminders.reminders_send(company=setup.company, as_of=AS_OF)

    assert [m.customer.name for m in run.sent] == ["Globex"]
    assert [d.customer.name for d in run.no_email] == ["Hooli"]
    (envelope,) = smtp.envelopes
    assert envelope.rcpt_tos == ["ap@globex.example"]
    assert envelope.mail_from == "ar@acme.example"
    (message,) = smtp.messages()
    assert message["Subject"] == "Acme Supplies: payment 30 days overdue"
    assert message["X-AR-Reminder-Stage"] == "30"
    body = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert "Dear Globex," in body
    assert "G-1  due 2026-06-20  $1,000.00  (10 days overdue)" in body
    assert "G-2  due 2026-05-16  $500.00  (45 days overdue)" in body
    assert "Total open: $1,500.00" in body
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "statement-2026-06-30.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")

    log = ReminderMessage.objects.get()
    assert (log.status, log.attempts, log.recipients) == ("sent", 1, ["ap@globex.example"])
    assert log.message_id == message["Message-ID"]
    items = {(i.invoice.number, i.stage.days_after_due) for i in ReminderItem.objects.all()}
    assert items == {("G-1", 1), ("G-2", 30)}
    assert Activity.objects.filter(customer=setup.globex, kind="reminder").count() == 1

    again = reminders.reminders_send(company=setup.company, as_of=AS_OF)
    assert again.sent == [] and len(smtp.envelopes) == 1  # no stage twice for an invoice


def test_the_next_stage_goes_when_an_invoice_reaches_it(setup, smtp):
    """G-1 is 15 days past due on 07-05: stage 15 goes, for G-1 only (G-2's stage 30 went)."""
    reminders.reminders_send(company=setup.company, as_of=AS_OF)
    later = reminders.reminders_send(company=setup.company, as_of=AS_OF + timedelta(days=5))
    assert [m.stage.days_after_due for m in later.sent] == [15]
    assert len(smtp.envelopes) == 2
    assert smtp.messages()[1]["X-AR-Reminder-Stage"] == "15"
    assert ReminderItem.objects.filter(message=later.sent[0]).get().invoice == setup.docs.g1


def test_dry_run_sends_and_writes_nothing(setup, smtp, capsys):
    call_command(
        "send_reminders", "--company", str(setup.company.pk), "--dry-run", "--as-of", "2026-06-30"
    )
    out = capsys.readouterr().out
    assert "1 reminder(s) would be sent (dry run)" in out
    assert "30 days overdue: Globex <ap@globex.example> 2 invoice(s) in USD" in out
    assert "skipped Hooli: no email address" in out
    assert smtp.envelopes == [] and not ReminderMessage.objects.exists()


def test_a_resolved_dispute_and_an_opt_in_are_reminded_again(setup, smtp, alice):
    dispute = setup.docs.u1.disputes.get()
    activities.dispute_resolve(
        dispute=dispute, resolution="Credit agreed", author=alice, resolved_on=AS_OF
    )
    activities.customer_reminders_set(customer=setup.initech, opt_out=False)
    run = reminders.reminders_send(company=setup.company, as_of=AS_OF)
    assert sorted(m.customer.name for m in run.sent) == ["Globex", "Initech", "Umbrella"]
    assert sorted(e.rcpt_tos[0] for e in smtp.envelopes) == [
        "ap@globex.example",
        "ap@initech.example",
        "ar@umbrella.example",
    ]


def test_smtp_refusals_are_retried_within_the_run(setup, smtp):
    """451 twice, then accepted on the third of REMINDER_SEND_ATTEMPTS = 3."""
    smtp.fail_next = 2
    run = reminders.reminders_send(company=setup.company, as_of=AS_OF)
    assert len(run.sent) == 1 and run.failed == []
    log = ReminderMessage.objects.get()
    assert (log.status, log.attempts) == ("sent", 3)
    assert "451" in log.last_error
    assert len(smtp.envelopes) == 1


def test_an_smtp_outage_is_logged_never_crashes_and_is_retried_next_run(setup, smtp, settings):
    live_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there: connection refused
    down = reminders.reminders_send(company=setup.company, as_of=AS_OF)
    assert down.sent == [] and len(down.failed) == 1
    log = ReminderMessage.objects.get()
    assert (log.status, log.attempts) == ("failed", 3)
    assert "ConnectionRefusedError" in log.last_error
    assert not Activity.objects.filter(kind="reminder").exists()

    settings.EMAIL_PORT = live_port
    up = reminders.reminders_send(company=setup.company, as_of=AS_OF + timedelta(days=1))
    assert [m.pk for m in up.retried] == [log.pk] and len(up.sent) == 1
    log.refresh_from_db()
    assert (log.status, log.attempts) == ("sent", 4)
    assert ReminderMessage.objects.count() == 1 and len(smtp.envelopes) == 1
    # The retried email is the one first rendered (as of its own day), not a new one.
    assert smtp.messages()[0]["Subject"] == "Acme Supplies: payment 30 days overdue"


def test_a_message_failing_every_run_is_given_up(setup, settings, smtp):
    settings.EMAIL_PORT = free_port()
    settings.REMINDER_MAX_ATTEMPTS = 6
    reminders.reminders_send(company=setup.company, as_of=AS_OF)
    reminders.reminders_send(company=setup.company, as_of=AS_OF)
    log = ReminderMessage.objects.get()
    assert (log.status, log.attempts) == ("gave_up", 6)
    third = reminders.reminders_send(company=setup.company, as_of=AS_OF)
    assert third.retried == []


def test_the_command_reports_a_failure_and_exits_cleanly(setup, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    call_command("send_reminders", "--as-of", "2026-06-30")
    captured = capsys.readouterr()
    assert "0 sent, 1 failed, 0 earlier failure(s) retried" in captured.out
    assert "1 reminder(s) failed; they are retried on the next run." in captured.err
