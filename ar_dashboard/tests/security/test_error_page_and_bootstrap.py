"""The DEBUG error page shows no secret; bootstrap_demo prints the admin password only in
development or when asked."""

import io
import sys

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from ar_dashboard.tests.factories import CompanyFactory
from config.error_reports import mask_url_passwords

TOKEN = "abcdef" + "0123456789"  # built, so the page's source excerpts do not hold it
DB_PASSWORD = "pg-S3cret-9x"
REDIS_PASSWORD = "redis-S3cret-7y"


def technical_500_html(settings) -> str:
    settings.DEBUG = True
    settings.DATABASE_URL = f"postgres://ar_app:{DB_PASSWORD}@db.internal:5432/ar"
    settings.SENTRY_DSN = f"https://public:{DB_PASSWORD}@sentry.example/1"
    settings.UPSTREAM = {"LOCATION": f"redis://:{REDIS_PASSWORD}@cache:6379/0"}
    request = RequestFactory().get(
        "/ar/", HTTP_AUTHORIZATION=f"Token {TOKEN}", DATABASE_URL=settings.DATABASE_URL
    )
    connection_string = f"postgres://ar_app:{DB_PASSWORD}@db.internal:5432/ar"  # a frame local
    try:
        raise RuntimeError(f"could not connect with {len(connection_string)} characters")
    except RuntimeError:
        return ExceptionReporter(request, *sys.exc_info()).get_traceback_html()


def test_the_debug_error_page_shows_no_password(settings):
    html = technical_500_html(settings)
    assert "could not connect" in html  # it is the error page
    assert DB_PASSWORD not in html
    assert REDIS_PASSWORD not in html
    assert TOKEN not in html
    assert "postgres://ar_app:********@db.internal:5432/ar" in html  # the frame local, masked
    assert "redis://:********@cache:6379/0" in html  # inside a setting not named secret


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("postgres://u:p@h/db", "postgres://u:********@h/db"),
        ("redis://:pw@cache:6379/0", "redis://:********@cache:6379/0"),
        ("sqlite:////var/db.sqlite3", "sqlite:////var/db.sqlite3"),
        ("https://example.com/a@b", "https://example.com/a@b"),
        (
            "x postgres://a:b@c/d and amqp://e:f@g//",
            "x postgres://a:********@c/d and amqp://e:********@g//",
        ),
    ],
)
def test_passwords_inside_urls_are_masked(text, masked):
    assert mask_url_passwords(text) == masked


@pytest.fixture
def no_admin(db):
    CompanyFactory(name="Existing Co")  # the demo is not loaded: a company exists


def bootstrap(*args) -> str:
    out = io.StringIO()
    call_command("bootstrap_demo", *args, stdout=out)
    return out.getvalue()


def test_bootstrap_hides_the_password_when_debug_is_off(no_admin, settings):
    settings.DEBUG = False
    out = bootstrap()
    assert "Created the superuser 'admin' with a random password, not shown" in out
    assert "with password:" not in out
    assert "changepassword admin" in out
    assert get_user_model().objects.filter(username="admin", is_superuser=True).exists()


@pytest.mark.parametrize(("debug", "args"), [(True, ()), (False, ("--show-password",))])
def test_bootstrap_prints_the_password_in_development_or_when_asked(
    no_admin, settings, debug, args
):
    settings.DEBUG = debug
    out = bootstrap(*args)
    password = out.split("with password: ")[1].split()[0]
    assert authenticate(username="admin", password=password) is not None
