"""Dates in the company's locale: the site's language with the country of its time zone."""

from datetime import UTC, date, datetime

import pytest

from ar_dashboard.dates import date_display, datetime_display, locale_for
from ar_dashboard.models import SyncLog

AS_OF = {"as_of": "2026-06-30"}
NNBSP = "\u202f"  # CLDR puts a narrow no-break space before AM/PM


@pytest.mark.parametrize(
    ("language", "timezone", "locale"),
    [
        ("en-us", "Europe/London", "en_GB"),
        ("en-us", "America/New_York", "en_US"),
        ("en-us", "Australia/Sydney", "en_AU"),
        ("en-us", "UTC", "en"),
        ("en-us", "Asia/Tokyo", "en"),  # CLDR has no en_JP: the language alone
        ("de", "Europe/Berlin", "de_DE"),
    ],
)
def test_locale_is_the_language_in_the_time_zones_country(language, timezone, locale):
    assert locale_for(language, timezone) == locale


@pytest.mark.parametrize(
    ("locale", "long", "medium"),
    [
        ("en_GB", "30 June 2026", "30 Jun 2026"),
        ("en_US", "June 30, 2026", "Jun 30, 2026"),
        ("de_DE", "30. Juni 2026", "30.06.2026"),
    ],
)
def test_date_styles(locale, long, medium):
    assert date_display(date(2026, 6, 30), locale) == long
    assert date_display(date(2026, 6, 30), locale, "medium") == medium
    assert date_display(None, locale) == "—"


def test_moments_are_shown_in_the_company_time_zone():
    moment = datetime(2026, 7, 15, 6, 0, tzinfo=UTC)

    assert datetime_display(moment, "en_GB", "Europe/London") == "15 Jul 2026 07:00 BST"
    assert (
        datetime_display(moment, "en_US", "America/New_York") == f"Jul 15, 2026 2:00{NNBSP}AM EDT"
    )


UK = {
    "long": "30 June 2026",
    "due": "30 May 2026",
    "posted": "30 Apr 2026",
    "synced": "15 Jul 2026 07:00 BST",
}
US = {
    "long": "June 30, 2026",
    "due": "May 30, 2026",
    "posted": "Apr 30, 2026",
    "synced": f"Jul 15, 2026 2:00{NNBSP}AM EDT",
}


@pytest.mark.parametrize(("timezone", "shown"), [("Europe/London", UK), ("America/New_York", US)])
def test_pages_show_dates_in_the_company_locale(ledger, alice_client, timezone, shown):
    company = ledger.company
    company.timezone = timezone
    company.save()
    SyncLog.objects.create(
        company=company,
        status=SyncLog.Status.SUCCESS,
        finished_at=datetime(2026, 7, 15, 6, 0, tzinfo=UTC),
    )
    initech = ledger.initech.pk

    home = alice_client.get("/ar/", AS_OF).content.decode()
    report = alice_client.get("/ar/report/", AS_OF).content.decode()
    filtered = alice_client.get("/ar/filtered/", AS_OF).content.decode()
    detail = alice_client.get(f"/ar/report/customer/{initech}/", AS_OF).content.decode()

    assert f"Accounts receivable as of {shown['long']} ·" in home
    assert f"finished {shown['synced']}." in home
    assert f"as of {shown['long']} ·" in report
    assert f"As of {shown['long']} · USD" in filtered
    assert f">As of {shown['long']}" in filtered  # the as-of badge
    assert f"Open documents as of {shown['long']} ·" in detail
    # Initech's 31-day invoice: due 30 May, posted 30 April
    assert f"<td>{shown['posted']}</td><td>{shown['due']}</td>" in detail
