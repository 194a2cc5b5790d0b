"""The deployment files agree with the code and each other (no Docker engine needed): every
path the Dockerfile copies and compose mounts exists, every command compose runs is one the
image's entrypoint knows, deploy/env.example lists every variable the app and the scripts read,
the systemd units are hardened, and gunicorn's proxy trust follows TRUSTED_PROXY."""

from __future__ import annotations

import re
import runpy
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _dockerfile_lines() -> list[str]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_dockerfile_copies_existing_paths_and_declares_its_stages():
    stages = set()
    copied = []
    for line in _dockerfile_lines():
        if match := re.match(r"FROM \S+ AS (\S+)", line, re.I):
            stages.add(match.group(1))
        if line.upper().startswith("COPY "):
            args = line.split()[1:]
            source_stage = next((a.split("=", 1)[1] for a in args if a.startswith("--from=")), None)
            sources = [a for a in args[:-1] if not a.startswith("--")]
            if source_stage:
                assert source_stage in stages, f"COPY from an undeclared stage: {line}"
            else:
                copied += sources
    assert {"builder", "app", "nginx", "runtime"} <= stages
    assert copied, "no COPY found"
    for source in copied:
        assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which does not exist"
    # The last stage is the default target: the application image.
    assert _dockerfile_lines()[-1] == "FROM app AS runtime"
    text = (DEPLOY / "Dockerfile").read_text()
    assert "USER ar" in text
    assert "collectstatic" in text
    assert "HEALTHCHECK" in text
    assert "requirements.lock" in text


def test_dockerfile_copies_every_application_package():
    """A new top-level app must reach the image too (tests and tooling folders excepted)."""
    packages = {
        p.name
        for p in ROOT.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and p.name not in {"bench", "deploy"}
    }
    copied = {line.split()[1] for line in _dockerfile_lines() if line.startswith("COPY ")}
    assert packages <= copied, f"not copied into the image: {sorted(packages - copied)}"


def _entrypoint_commands() -> set[str]:
    text = (DEPLOY / "docker-entrypoint.sh").read_text()
    return set(re.findall(r"^\s+([a-z-]+)\)", text, re.M))


def test_compose_services_reference_existing_files_and_known_commands():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {
        "db",
        "redis",
        "migrate",
        "web",
        "worker",
        "dagster-webserver",
        "dagster-daemon",
        "nginx",
    } <= set(services)
    stages = {
        m.group(1) for line in _dockerfile_lines() if (m := re.match(r"FROM \S+ AS (\S+)", line))
    }
    known = _entrypoint_commands()
    assert {"web", "worker", "dagster-webserver", "dagster-daemon", "migrate"} <= known
    for name, service in services.items():
        if build := service.get("build"):
            assert (DEPLOY / build["context"] / build["dockerfile"]).exists(), name
            assert build["target"] in stages, f"{name}: no stage {build['target']}"
            if build["target"] == "runtime":
                assert service["command"][0] in known, f"{name}: {service['command']}"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith((".", "/")) and source != "./tls":  # ./tls: your certificate
                assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"
    assert services["db"]["healthcheck"]["test"]
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    web_env = services["web"]["environment"]
    assert web_env["TRUSTED_PROXY"] == "true"
    assert "ports" not in services["web"], "web must be reachable through nginx only"
    for name in ("web", "worker", "dagster-webserver", "dagster-daemon"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["DAGSTER_PG_URL"].startswith("postgresql://")
        assert env["DAGSTER_HOME"] == "/opt/dagster/home"
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    # The Dagster instance the image carries is deploy/dagster.yaml: runs in PostgreSQL.
    assert "COPY deploy/dagster.yaml /opt/dagster/home/dagster.yaml" in _dockerfile_lines()
    dagster = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
    assert dagster["storage"]["postgres"]["postgres_url"]["env"] == "DAGSTER_PG_URL"


def _variables_read() -> set[str]:
    names = set()
    settings = (ROOT / "config" / "settings.py").read_text()
    names |= set(
        re.findall(r"""(?:env(?:\.\w+)?|_bool|_int)\(\s*["']([A-Z][A-Z0-9_]+)["']""", settings)
    )
    gunicorn = (DEPLOY / "gunicorn.conf.py").read_text()
    names |= set(re.findall(r"""(?:environ\.get|_int)\(\s*["']([A-Z][A-Z0-9_]+)["']""", gunicorn))
    for script in ("backup.sh", "restore-drill.sh", "docker-entrypoint.sh"):
        names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+):-", (DEPLOY / script).read_text()))
    compose = (DEPLOY / "docker-compose.yml").read_text()
    names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)(?::?[-?])", compose))
    names |= set(
        re.findall(
            r"environ\.get\(\s*\"([A-Z][A-Z0-9_]+)\"", (DEPLOY / "healthcheck.py").read_text()
        )
    )
    return names


def test_env_example_lists_every_variable():
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (DEPLOY / "env.example").read_text(), re.M))
    read = _variables_read()
    assert {"SECRET_KEY", "DATABASE_URL", "TRUSTED_PROXY", "POSTGRES_PASSWORD"} <= read
    assert read - listed == set(), "add these to deploy/env.example"
    # Required secrets stay empty (the app and compose refuse to start), never a usable default.
    example = (DEPLOY / "env.example").read_text()
    assert re.search(r"^SECRET_KEY=$", example, re.M)
    assert re.search(r"^POSTGRES_PASSWORD=$", example, re.M)
    assert re.search(r"^DEBUG=false$", example, re.M)


HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "RestrictSUIDSGID": "yes",
    "CapabilityBoundingSet": "",
    "User": "ar",
}


@pytest.mark.parametrize(
    "unit",
    sorted(p.name for p in (DEPLOY / "systemd").glob("*.service")),
)
def test_systemd_units_are_hardened(unit):
    options: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / unit).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            options.setdefault(key, []).append(value)
    for key, value in HARDENING.items():
        assert options.get(key) == [value], f"{unit}: {key}={value} missing"
    assert options["EnvironmentFile"] == ["/etc/ar-dashboard/env"]
    for command in options["ExecStart"]:
        # Commands are the repository's files under /srv/ar-dashboard/app, or the venv's.
        for path in re.findall(r"/srv/ar-dashboard/app/(\S+)", command):
            assert (ROOT / path).exists(), f"{unit}: {path} does not exist"
    required = {"ar-dashboard-web.service": "gunicorn.conf.py"}
    if unit in required:
        assert required[unit] in options["ExecStart"][0]


def test_expected_units_exist():
    units = {p.name for p in (DEPLOY / "systemd").iterdir()}
    assert {
        "ar-dashboard-web.service",
        "ar-dashboard-worker.service",
        "ar-dashboard-dagster-daemon.service",
        "ar-dashboard-dagster-webserver.service",
        "ar-dashboard-backup.service",
        "ar-dashboard-backup.timer",
    } <= units


def _gunicorn_config(monkeypatch, **env) -> dict:
    for name in ("TRUSTED_PROXY", "FORWARDED_ALLOW_IPS", "GUNICORN_WORKERS", "GUNICORN_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_trusts_forwarded_headers_only_with_trusted_proxy(monkeypatch):
    assert _gunicorn_config(monkeypatch)["forwarded_allow_ips"] == ""
    assert _gunicorn_config(monkeypatch, TRUSTED_PROXY="false")["forwarded_allow_ips"] == ""
    trusted = _gunicorn_config(monkeypatch, TRUSTED_PROXY="true")
    assert trusted["forwarded_allow_ips"] == "127.0.0.1,::1"
    compose = _gunicorn_config(monkeypatch, TRUSTED_PROXY="true", FORWARDED_ALLOW_IPS="*")
    assert compose["forwarded_allow_ips"] == "*"
    with pytest.raises(SystemExit, match="TRUSTED_PROXY='maybe' is not a boolean"):
        _gunicorn_config(monkeypatch, TRUSTED_PROXY="maybe")


def test_gunicorn_settings_from_env(monkeypatch):
    config = _gunicorn_config(monkeypatch, GUNICORN_WORKERS="3", GUNICORN_BIND="0.0.0.0:9000")
    assert config["workers"] == 3
    assert config["bind"] == ["0.0.0.0:9000"]
    assert config["worker_class"] == "gthread"
    assert "%({x-request-id}i)s" in config["access_log_format"]
    default = _gunicorn_config(monkeypatch)
    assert default["workers"] >= 2
    assert default["bind"] == ["127.0.0.1:8000"]
    with pytest.raises(SystemExit, match="GUNICORN_WORKERS='many' is not an integer"):
        _gunicorn_config(monkeypatch, GUNICORN_WORKERS="many")


@pytest.mark.parametrize(
    "script",
    ["backup.sh", "restore-drill.sh", "docker-entrypoint.sh", "postgres/initdb-dagster.sh"],
)
def test_scripts_are_executable_and_parse(script):
    path = DEPLOY / script
    assert path.stat().st_mode & 0o111, f"{script} is not executable"
    shell = "sh" if path.read_text().startswith("#!/bin/sh") else "bash"
    subprocess.run([shell, "-n", str(path)], check=True)


def test_backup_refuses_a_non_postgresql_url(tmp_path):
    result = subprocess.run(
        [str(DEPLOY / "backup.sh"), str(tmp_path)],
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///var/db.sqlite3"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "DATABASE_URL must be a PostgreSQL URL" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_restore_drill_refuses_the_source_as_scratch_database():
    url = "postgres://ar:secret@db.example:5432/ar"
    result = subprocess.run(
        [str(DEPLOY / "restore-drill.sh"), "/nonexistent.dump"],
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": url, "DRILL_DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "must not be the source database" in result.stderr
