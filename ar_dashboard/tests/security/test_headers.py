"""Security headers on every answer: CSP without inline script, Permissions-Policy, no-store on
anything that may hold AR data, Referrer-Policy, nosniff; CORS only for listed origins; the
API throttled per user."""

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from ar_dashboard.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
API = "/ar/api/summary-stats/"
EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return dict(parts)


@pytest.fixture
def signed_in(alice, company_a):
    client = Client()
    client.force_login(alice)
    return client


@pytest.mark.parametrize(
    "path", ["/ar/", "/ar/filtered/", "/ar/report/", "/ar/settings/", "/ar/api/docs/"]
)
def test_pages_carry_a_csp_without_inline_script_and_no_store(signed_in, company_a, path):
    response = signed_in.get(path, {"company": company_a.pk})
    assert response.status_code == 200
    csp = directives(response["Content-Security-Policy"])
    for name, value in EXPECTED_CSP.items():
        assert csp[name] == value, name
    assert csp["style-src"].startswith("'self'") and "unsafe" not in csp["style-src"]
    assert csp["style-src-elem"].startswith("'self'") and "unsafe" not in csp["style-src-elem"]
    assert csp["style-src-attr"] == "'unsafe-inline'"  # ECharts' SVG; no script can use it
    assert "unsafe" not in csp["script-src"] + csp["default-src"]
    assert response["Cache-Control"] == "private, no-store"
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    html = response.content.decode()
    assert "<script>" not in html and " onclick=" not in html and " onchange=" not in html
    assert " onsubmit=" not in html and ' style="' not in html


def test_the_widgets_page_admits_gridstacks_style_element_by_nonce_only(signed_in, company_a):
    response = signed_in.get("/ar/widgets/", {"company": company_a.pk})
    csp = directives(response["Content-Security-Policy"])
    nonce = response.context["request"].csp_nonce
    assert (
        csp["style-src"].split() == csp["style-src-elem"].split() == ["'self'", f"'nonce-{nonce}'"]
    )
    assert f'data-csp-nonce="{nonce}"' in response.content.decode()


def test_api_answers_are_not_stored(company_a, api):
    response = api.get(API, {"company": company_a.pk})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "Expires" not in response


def test_exports_are_not_stored(signed_in, company_a):
    response = signed_in.get("/ar/export/aging-summary.csv", {"company": company_a.pk})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_the_login_page_is_not_stored_but_health_and_static_files_may_be(client):
    assert client.get("/accounts/login/")["Cache-Control"] == "private, no-store"
    health = client.get("/health/")
    assert health.status_code == 200
    # The health check's own never_cache header, left as it is (it holds no AR data).
    assert health["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert "Permissions-Policy" in health


def test_static_files_keep_their_own_cache_headers():
    """whitenoise's long-lived public caching of hashed files is left alone."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from config.security import SecurityHeadersMiddleware

    def static_file(request):
        response = HttpResponse(b"body{}")
        response["Cache-Control"] = "max-age=315360000, public, immutable"
        return response

    middleware = SecurityHeadersMiddleware(static_file)
    response = middleware(RequestFactory().get("/static/ar_dashboard/app.abc123.css"))
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert "camera=()" in response["Permissions-Policy"]
    page = middleware(RequestFactory().get("/ar/"))
    assert page["Cache-Control"] == "private, no-store"


def test_a_disallowed_origin_gets_no_cors_header(api, company_a):
    response = api.get(API, {"company": company_a.pk}, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_an_allowed_origin_gets_the_cors_header(api, company_a, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://reports.example.com"]
    response = api.get(API, {"company": company_a.pk}, HTTP_ORIGIN="https://reports.example.com")
    assert response["Access-Control-Allow-Origin"] == "https://reports.example.com"
    other = api.get(API, {"company": company_a.pk}, HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other


def test_the_api_is_throttled_per_user_with_a_json_429(company_a, alice, bob, monkeypatch):
    from rest_framework.throttling import UserRateThrottle

    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "3/min"})
    cache.clear()
    first, second = APIClient(), APIClient()
    first.force_authenticate(alice)
    second.force_authenticate(bob)
    codes = [first.get(API, {"company": company_a.pk}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = first.get(API, {"company": company_a.pk})
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json"
    assert refused.json()["detail"].startswith("Request was throttled. Expected available in")
    assert int(refused["Retry-After"]) > 0
    assert second.get(API, {"company": company_a.pk}).status_code == 200  # per user


def test_a_sane_request_id_is_kept_and_a_forged_one_replaced(client):
    kept = client.get("/health/", HTTP_X_REQUEST_ID="nginx-4f1c2a9e77")
    assert kept["X-Request-ID"] == "nginx-4f1c2a9e77"
    forged = client.get("/health/", HTTP_X_REQUEST_ID='x" injected=1 ')
    assert forged["X-Request-ID"] != 'x" injected=1 '
    assert len(forged["X-Request-ID"]) == 32
    assert client.get("/health/")["X-Request-ID"] != client.get("/health/")["X-Request-ID"]


def test_staff_page_from_axes_and_admin_carries_the_headers(client, db):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    client.login(username="root", password="correct horse battery staple")
    response = client.get("/admin/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "script-src 'self'" in response["Content-Security-Policy"]
