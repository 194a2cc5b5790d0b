"""The daily collections job and schedule resolve by name, and a run sends what is due."""

from dagster import DefaultScheduleStatus
from django.core import mail

from ar_collections.models import CollectionSettings, ReminderMessage
from etl.definitions import defs
from etl.schedules import collections_hour, pipeline_timezone


def test_the_job_and_its_daily_schedule_resolve():
    job = defs.resolve_job_def("collections_daily")
    assert {node.name for node in job.nodes} == {"send_due_reminders", "send_scheduled_reports"}
    schedule = defs.resolve_schedule_def("collections_daily_schedule")
    assert schedule.cron_schedule == f"0 {collections_hour()} * * *" == "0 7 * * *"
    assert schedule.execution_timezone == pipeline_timezone()
    assert schedule.job_name == "collections_daily"
    assert schedule.default_status == DefaultScheduleStatus.RUNNING


def test_a_run_sends_the_due_reminders_and_reports(ledger, settings):
    """conftest's ledger on 2026-06-30: Globex, Initech and Umbrella are due a reminder
    (Hooli has no email); the weekly report is due on Tuesdays (weekday 1)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    CollectionSettings.objects.create(
        company=ledger.company,
        report_enabled=True,
        report_recipients="cfo@acme.example",
        report_weekday=1,
    )
    result = defs.resolve_job_def("collections_daily").execute_in_process()
    assert result.success
    assert result.output_for_node("send_due_reminders") == {"sent": 3, "failed": 0, "no_email": 1}
    assert result.output_for_node("send_scheduled_reports") == 1
    assert ReminderMessage.objects.filter(status="sent").count() == 3
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects[0] == "Acme Supplies: AR aging summary as of 2026-06-29"
    assert len(mail.outbox) == 4
