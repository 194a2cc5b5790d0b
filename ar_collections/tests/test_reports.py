"""The scheduled aging-summary email: as of the last business day, once per due day."""

import io
from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest
from django.core import mail
from django.core.management import call_command

from ar_collections.models import CollectionSettings
from ar_collections.services.reports import last_business_day
from ar_collections.tests.conftest import free_port


@pytest.mark.parametrize(
    ("today", "as_of"),
    [
        (date(2026, 6, 30), date(2026, 6, 29)),  # Tuesday → Monday
        (date(2026, 6, 29), date(2026, 6, 26)),  # Monday → Friday
        (date(2026, 6, 28), date(2026, 6, 26)),  # Sunday → Friday
        (date(2026, 6, 27), date(2026, 6, 26)),  # Saturday → Friday
    ],
)
def test_last_business_day(today, as_of):
    assert last_business_day(today) == as_of


@pytest.fixture
def weekly(ledger):
    return CollectionSettings.objects.create(
        company=ledger.company,
        report_enabled=True,
        report_recipients="cfo@acme.example\n controller@acme.example \n",
        report_weekday=0,  # Mondays
    )


def test_the_weekly_report_goes_on_its_day_once(weekly, settings, capsys):
    """Monday 2026-06-29: as of Friday 06-26, when G-2 (due 05-16), I-1, U-1 were overdue and
    G-1 (due 06-20) and H-1 (due 06-25) too; total AR 1000+500+800+300+2000+5000 = 9600.00."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_scheduled_reports", "--today", "2026-06-30")  # a Tuesday: not due
    assert mail.outbox == []
    call_command("send_scheduled_reports", "--today", "2026-06-29")
    (email,) = mail.outbox
    assert email.to == ["cfo@acme.example", "controller@acme.example"]
    assert email.subject == "Acme Supplies: AR aging summary as of 2026-06-26"
    assert "Total AR: $9,600.00" in email.body
    (pdf_name, pdf, pdf_type), (xlsx_name, xlsx, xlsx_type) = email.attachments
    assert (pdf_name, pdf_type) == ("aging-summary-2026-06-26.pdf", "application/pdf")
    assert pdf.startswith(b"%PDF")
    assert xlsx_name == "aging-summary-2026-06-26.xlsx" and xlsx_type.endswith(".sheet")
    # As of Friday 06-26: S-1 current 5000; G-1 (6 days) + H-1 (1 day) 3000 in 1-30; G-2
    # (41 days) 500 in 31-60; I-1 (91 days) 800 in 91-120; U-1 (126 days) 300 in 120+.
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    amounts = [row[-1] for row in sheet.iter_rows(min_row=2, max_row=7, values_only=True)]
    assert [D(str(a)) for a in amounts] == [D(5000), D(3000), D(500), D(0), D(800), D(300)]
    weekly.refresh_from_db()
    assert weekly.report_last_sent_on == date(2026, 6, 29)
    call_command("send_scheduled_reports", "--today", "2026-06-29")  # again the same day
    assert len(mail.outbox) == 1
    assert "No scheduled report is due." in capsys.readouterr().out


def test_a_failed_report_is_retried_by_the_next_run(weekly, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    call_command("send_scheduled_reports", "--today", "2026-06-29")
    assert "FAILED (ConnectionRefusedError" in capsys.readouterr().out
    weekly.refresh_from_db()
    assert weekly.report_last_sent_on is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_scheduled_reports", "--today", "2026-06-29")
    assert len(mail.outbox) == 1


def test_daily_reports_go_on_business_days(weekly, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    weekly.report_frequency = CollectionSettings.Frequency.DAILY
    weekly.save()
    for day in ("2026-06-27", "2026-06-28"):  # the weekend
        call_command("send_scheduled_reports", "--today", day)
    assert mail.outbox == []
    call_command("send_scheduled_reports", "--today", "2026-06-30")
    assert mail.outbox[0].subject.endswith("as of 2026-06-29")
