"""The home page parses the filters as the API does: bad input is a 400 page naming it."""

import pytest

from ar_dashboard.tests.api.test_validation import EDGE_CASES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def page(client, alice):
    client.force_login(alice)
    return client


@pytest.mark.parametrize(("params", "param"), EDGE_CASES, ids=lambda v: str(v)[:40])
def test_edge_input_is_a_400_page_naming_it(page, company_a, params, param):
    response = page.get("/ar/", params)
    assert response.status_code == 400
    assert f"<code>{param}</code>" in response.content.decode()


def test_a_message_is_shown_whole_not_letter_by_letter(page, company_a):
    """A parameter's error may be one message, not a list: it must not be joined per letter."""
    response = page.get("/ar/", {"bucket": "7_9"})
    assert response.status_code == 400
    html = response.content.decode()
    message = "&#x27;7_9&#x27; is not a bucket. Must be one of current, 1_30"
    assert f"<code>bucket</code>: {message}" in html


def test_the_as_of_bounds_render(page, company_a):
    for as_of in ("1900-01-01", "2199-12-31"):
        assert page.get("/ar/", {"as_of": as_of}).status_code == 200
