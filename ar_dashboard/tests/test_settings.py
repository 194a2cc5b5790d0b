"""Production settings fail closed and pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 64 + "-not-a-real-secret-but-long-and-varied-0123456789",
    "ALLOWED_HOSTS": "ar.example.com",
    "DATABASE_URL": "sqlite:///:memory:",
}


def manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    # Collected static files (their manifest) are part of a deployment: ar.E001 otherwise.
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", STATIC_ROOT=str(tmp_path), **PRODUCTION
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_without_secret_key_refuses_to_start():
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.mark.parametrize(("name", "value"), [("DEBUG", "maybe"), ("SECURE_SSL_REDIRECT", "yes!")])
def test_malformed_boolean_stops_start_up_naming_the_variable(name, value):
    result = manage("check", **{**PRODUCTION, name: value})
    assert result.returncode != 0
    assert f"{name}={value!r} is not a boolean" in result.stderr


def test_seed_db_variables_select_postgresql(monkeypatch):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings';"
        "from django.conf import settings as s; d=s.DATABASES['default'];"
        "print(d['ENGINE'], d['NAME'], d['USER'], d['HOST'], d['PORT'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DEBUG="true",
        DATABASE_URL="",
        DB_ENGINE="django.db.backends.postgresql",
        DB_NAME="ar",
        DB_USER="u",
        DB_PASSWORD="p",
        DB_HOST="db",
        DB_PORT="5433",
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "ar", "u", "db", "5433"]


@pytest.mark.parametrize(("jit", "expected"), [(None, "-c jit=off"), ("true", "")])
def test_postgresql_connections_run_without_jit_unless_asked(jit, expected):
    """JIT compiled each as-of aggregation for 1.4 s at 100k documents: off by default."""
    env = {"DATABASE_URL": "postgres://u@db.example/ar"}
    if jit is not None:
        env["POSTGRES_JIT"] = jit
    code = "from django.conf import settings; print(repr(settings.DATABASES['default']['OPTIONS']))"
    result = manage("shell", "-c", code, DEBUG="true", **env)
    assert result.returncode == 0, result.stderr
    options = result.stdout.strip().splitlines()[-1]
    assert (f"'options': '{expected}'" in options) if expected else ("jit" not in options)
