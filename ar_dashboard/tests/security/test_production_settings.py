"""Production settings, read by a fresh interpreter per case (settings are read at start-up):
`check --deploy` silent, proxy headers only with TRUSTED_PROXY, a bad DATABASE_URL or missing
static files refused at start with the fix in the message."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k7#Qw9!zR2@vT5$yU8^iO1&pA4*sD6(fG3)hJ0-lZ_xC+vB=nM~q",
    "ALLOWED_HOSTS": "ar.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://ar.example.com",
}
# Variables of the test run that must not leak into the production interpreter.
DROP = (
    "DEBUG",
    "DATABASE_REPLICA_URL",
    "REPLICA_READS",
    "API_THROTTLE_RATE",
    "API_ANON_THROTTLE_RATE",
    "TRUSTED_PROXY",
    "STATIC_ROOT",
    "LOG_FORMAT",
)
SHOW = """
import json, os
os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'
from django.conf import settings as s
print(json.dumps({
    'debug': s.DEBUG,
    'proxy_header': s.SECURE_PROXY_SSL_HEADER,
    'forwarded_host': s.USE_X_FORWARDED_HOST,
    'ssl_redirect': s.SECURE_SSL_REDIRECT,
    'hsts': s.SECURE_HSTS_SECONDS,
    'session_secure': s.SESSION_COOKIE_SECURE,
    'session_httponly': s.SESSION_COOKIE_HTTPONLY,
    'csrf_secure': s.CSRF_COOKIE_SECURE,
    'csrf_httponly': s.CSRF_COOKIE_HTTPONLY,
    'cors': s.CORS_ALLOWED_ORIGINS,
    'csrf_origins': s.CSRF_TRUSTED_ORIGINS,
    'throttle': s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'],
    'axes': [s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_MINUTES, s.AXES_LOCKOUT_PARAMETERS],
}))
"""


def run(args, tmp_path, manifest=True, timeout=120, **overrides):
    static_root = tmp_path / "static"
    static_root.mkdir(exist_ok=True)
    if manifest:
        (static_root / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    env.update(PRODUCTION)
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", STATIC_ROOT=str(static_root))
    env.update(overrides)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def shown(tmp_path, **overrides) -> dict:
    result = run(["-c", SHOW], tmp_path, **overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_is_silent_with_production_settings(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_defaults_are_safe(tmp_path):
    s = shown(tmp_path)
    assert s["debug"] is False
    assert (s["ssl_redirect"], s["hsts"]) == (True, 31536000)
    assert (s["session_secure"], s["session_httponly"]) == (True, True)
    assert (s["csrf_secure"], s["csrf_httponly"]) == (True, True)
    assert s["cors"] == [] and s["csrf_origins"] == ["https://ar.example.com"]
    assert s["throttle"] == {"user": "600/min", "anon": "60/min"}
    assert s["axes"] == [5, 15, ["username", "ip_address"]]


def test_proxy_headers_are_believed_only_with_trusted_proxy(tmp_path):
    untrusted = shown(tmp_path)
    assert (untrusted["proxy_header"], untrusted["forwarded_host"]) == (None, False)
    trusted = shown(tmp_path, TRUSTED_PROXY="true")
    assert trusted["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert trusted["forwarded_host"] is True


def test_origins_throttle_and_lockout_come_from_the_environment(tmp_path):
    s = shown(
        tmp_path,
        CORS_ALLOWED_ORIGINS="https://a.example,https://b.example",
        API_THROTTLE_RATE="100/hour",
        AXES_FAILURE_LIMIT="3",
        AXES_COOLOFF_MINUTES="60",
        AXES_LOCKOUT_PARAMETERS="username+ip_address",
    )
    assert s["cors"] == ["https://a.example", "https://b.example"]
    assert s["throttle"]["user"] == "100/hour"
    assert s["axes"] == [3, 60, [["username", "ip_address"]]]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("foo://user:pw@host/db", "unknown scheme 'foo'"),
        ("garbage", "unknown scheme ''"),
        ("postgres://user:pw@host:notaport/db", "ValueError"),
        ("postgres://user:pw@host:5432", "no database name"),
    ],
)
def test_a_bad_database_url_is_a_clear_message_not_a_traceback(tmp_path, url, reason):
    result = run(["manage.py", "check"], tmp_path, DATABASE_URL=url)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "KeyError" not in result.stderr
    assert result.stderr.startswith(
        "Configuration error: DATABASE_URL is not a valid database URL: use "
        "postgres://user:pass@host:5432/db or sqlite:///path"
    )
    assert reason in result.stderr
    assert "pw" not in result.stderr  # the password is never echoed


def test_without_collectstatic_the_check_says_what_to_run(tmp_path):
    result = run(["manage.py", "check", "--deploy"], tmp_path, manifest=False)
    assert result.returncode == 1
    assert "(ar.E001) DEBUG is off and the static files are not collected" in result.stderr
    assert "Run `python manage.py collectstatic --noinput`" in result.stderr


def test_commands_that_serve_no_page_run_without_collected_static(tmp_path):
    """`migrate`, `sync_ar` and the sync worker run system checks too: not this deploy one."""
    result = run(["manage.py", "check"], tmp_path, manifest=False)
    assert result.returncode == 0, result.stderr
    assert "ar.E001" not in result.stderr


def test_without_collectstatic_the_wsgi_server_refuses_to_start(tmp_path):
    result = run(["-c", "import config.wsgi"], tmp_path, manifest=False)
    assert result.returncode == 1
    assert "ImproperlyConfigured: DEBUG is off and the static files are not collected" in (
        result.stderr
    )
    assert run(["-c", "import config.wsgi"], tmp_path).returncode == 0


def test_the_static_storage_does_not_stop_on_a_missing_source_map(tmp_path, settings):
    """Vendored gridstack names a .map it does not ship: Django's manifest storage stopped
    `collectstatic` on it (MissingFileError); ours hashes the file and carries on."""
    from config.storage import StaticFilesStorage

    settings.STATIC_ROOT = str(tmp_path)
    storage = StaticFilesStorage(location=str(tmp_path))
    storage.save("lib.js", ContentFile(b"var a = 1;\n//# sourceMappingURL=lib.js.map\n"))
    storage.save("lib.css", ContentFile(b"a{background:url(missing.png)}"))
    results = {
        name: processed
        for name, _, processed in storage.post_process({"lib.js": (storage, "lib.js")})
    }
    assert not isinstance(results["lib.js"], Exception)
    assert results["lib.js"] is True
    assert (tmp_path / "staticfiles.json").exists()
    assert any(
        n.startswith("lib.") and n.endswith(".js") and n != "lib.js"
        for n in (p.name for p in tmp_path.iterdir())
    )


def test_json_logs_carry_the_request_id_of_the_response(tmp_path):
    script = """
import os, django
os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from django.test import Client
r = Client().get('/no-such-page/', HTTP_HOST='ar.example.com', secure=True)
print('HEADER', r.status_code, r['X-Request-ID'])
"""
    result = run(["-c", script], tmp_path, LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    status, request_id = result.stdout.split()[1:3]
    assert status == "404"
    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    not_found = [r for r in records if r["message"] == "Not Found: /no-such-page/"]
    assert len(not_found) == 1
    assert not_found[0]["request_id"] == request_id
    assert (not_found[0]["level"], not_found[0]["logger"]) == ("WARNING", "django.request")
