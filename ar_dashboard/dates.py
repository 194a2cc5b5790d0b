"""Presentation of dates in the company's locale, as money.py presents amounts.

The locale is the site's language (`LANGUAGE_CODE`: the app is in English) with the company's
country, read from its time zone through CLDR's zone → territory table (Europe/London → en_GB,
America/New_York → en_US, Europe/Berlin → en_DE): a UK company reads "30 June 2026", a US one
"June 30, 2026". A time zone with no country (UTC) gives the bare language.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_time
from django.conf import settings

# "long": headings ("30 June 2026"); "medium": table cells ("30 Jun 2026").
DATE_STYLES = ("long", "medium", "short")


@functools.cache
def locale_for(language_code: str, timezone: str) -> str:
    """The Babel locale of `language_code` (e.g. "en-us") in the country of `timezone`."""
    language = language_code.replace("-", "_").split("_")[0].lower() or "en"
    territory = get_global("zone_territories").get(timezone)
    if territory and territory != "ZZ":
        try:
            return str(Locale.parse(f"{language}_{territory}"))
        except (UnknownLocaleError, ValueError):
            pass
    try:
        return str(Locale.parse(language))
    except (UnknownLocaleError, ValueError):
        return "en"


def company_locale(company) -> str:
    """The locale the company's dates are shown in."""
    return locale_for(settings.LANGUAGE_CODE, company.timezone)


def date_display(value: date | None, locale: str, style: str = "long") -> str:
    """`value` in the locale's long/medium/short form; "—" when there is none."""
    if value is None:
        return "—"
    return format_date(value, format=style, locale=locale)


def datetime_display(value: datetime | None, locale: str, timezone: str) -> str:
    """A moment in the company's time zone: medium date, short time, zone abbreviation."""
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(timezone))
    day = format_date(local.date(), format="medium", locale=locale)
    clock = format_time(local, format="short", locale=locale, tzinfo=local.tzinfo)
    return f"{day} {clock} {local.tzname()}"
