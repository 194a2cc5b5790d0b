"""Production smoke test (issue 20, item 7): the deployment as shipped, end to end.

gunicorn (deploy/gunicorn.conf.py) runs with production settings (DEBUG=false) against a scratch
PostgreSQL database; nginx runs deploy/nginx/ar-dashboard.conf itself — only its paths, ports
and certificate swapped for temporary ones — with TLS in front of it. Through nginx: /health/,
login, a dashboard page, an API answer, a static file nginx serves from STATIC_ROOT, and the
security headers. Then deploy/backup.sh dumps the database and deploy/restore-drill.sh restores
it into another scratch database and compares every table's row count.

Needs PostgreSQL (DATABASE_URL), nginx (`make nginx` installs Debian's), openssl and the
PostgreSQL client tools; skipped, saying which is missing, otherwise. Every process and database
it starts is its own (`smoke_<pid>…`) and is stopped or dropped whatever happens.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SITE_CONF = DEPLOY / "nginx" / "ar-dashboard.conf"
COMPANY = "Smoke Test Supplies"
USERNAME = "smoke-admin"


def _nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def _missing() -> str | None:
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return "the production smoke test runs on PostgreSQL only (DATABASE_URL=postgres://…)"
    if not _nginx():
        return "nginx not found (`make nginx` installs Debian's when run as root)"
    for tool in ("openssl", "psql", "pg_dump", "pg_restore"):
        if not shutil.which(tool):
            return f"{tool} not found"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Stack:
    base: str  # https://127.0.0.1:<port> (nginx, TLS)
    http_base: str  # http://127.0.0.1:<port> (nginx, plain)
    tls: ssl.SSLContext
    env: dict[str, str]
    database_url: str
    drill_url: str
    static_root: Path
    gunicorn_log: Path
    nginx_log_dir: Path
    company_id: int
    password: str
    tmp: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, verify=self.tls, timeout=30)


class _Databases:
    """Creates and drops the test's own databases through the server's `postgres` database."""

    def __init__(self) -> None:
        db = settings.DATABASES["default"]
        self.user, self.password = db.get("USER") or "", db.get("PASSWORD") or ""
        self.host, self.port = db.get("HOST") or "127.0.0.1", str(db.get("PORT") or 5432)

    def url(self, name: str) -> str:
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        return f"postgres://{auth}@{self.host}:{self.port}/{name}"

    def execute(self, sql: str) -> None:
        env = {**os.environ, "PGPASSWORD": self.password}
        subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url("postgres"), "-c", sql],
            env=env,
            check=True,
            capture_output=True,
            timeout=60,
        )

    def exists(self, name: str) -> bool:
        env = {**os.environ, "PGPASSWORD": self.password}
        out = subprocess.run(
            [
                "psql",
                "-X",
                "-A",
                "-t",
                "-d",
                self.url("postgres"),
                "-c",
                f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
            ],  # fmt: skip
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return out.stdout.strip() == "1"

    def drop(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(args: list[str], env: dict[str, str], timeout: float = 120, **kw):
    started = time.monotonic()
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, **kw
    )
    assert result.returncode == 0, (
        f"{' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    )
    print(f"smoke: {' '.join(args[:3])} took {time.monotonic() - started:.1f} s", file=sys.stderr)
    return result


def _stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _site_config(*, http_port, https_port, app_port, static_root, cert, key, logs, acme) -> str:
    """deploy/nginx/ar-dashboard.conf with its host-specific values replaced. Each value must be
    found, so the test fails loudly when the real file changes instead of testing another."""
    text = SITE_CONF.read_text()
    replacements = [
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
        ("/srv/ar-dashboard/staticfiles/", f"{static_root}/"),
        ("/etc/nginx/tls/ar-dashboard.crt", str(cert)),
        ("/etc/nginx/tls/ar-dashboard.key", str(key)),
        ("/var/log/nginx/", f"{logs}/"),
        ("/var/www/acme", str(acme)),
    ]
    for old, new in replacements:
        assert old in text, f"{SITE_CONF} no longer contains {old!r}: update the smoke test"
        text = text.replace(old, new)
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for host_path in ("/srv/", "/etc/nginx/tls", "/var/log/", ":8000"):
        assert host_path not in code, f"{host_path} left in the tested nginx config"
    return text


def _main_config(prefix: Path, site: Path) -> str:
    user = ""
    if os.geteuid() == 0:  # workers would drop to `nobody`, who cannot read the temp files
        user = "user root;"
    mime = "/etc/nginx/mime.types"
    types = f"include {mime};" if Path(mime).exists() else "types { text/css css; }"
    temp = "\n".join(
        f"    {kind}_temp_path {prefix}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/main.error.log warn;
events {{ worker_connections 256; }}
http {{
    {types}
    default_type application/octet-stream;
    sendfile on;
{temp}
    include {site};
}}
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("smoke")
    databases = _Databases()
    name = f"smoke_{os.getpid()}"
    drill_name = f"{name}_drill"
    gunicorn = nginx = None
    gunicorn_log = tmp / "gunicorn.log"
    logs = tmp / "logs"
    logs.mkdir()
    try:
        databases.drop(name)
        databases.execute(f'CREATE DATABASE "{name}"')
        database_url = databases.url(name)
        app_port, http_port, https_port = _free_port(), _free_port(), _free_port()
        password = secrets.token_urlsafe(16)
        static_root = tmp / "staticfiles"
        keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV"}
        env = {k: v for k, v in os.environ.items() if k in keep}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            CSRF_TRUSTED_ORIGINS=f"https://127.0.0.1:{https_port}",
            TRUSTED_PROXY="true",
            DATABASE_URL=database_url,
            PGPASSWORD=databases.password,
            # Values a developer's .env might set: the environment wins over .env.
            DATABASE_REPLICA_URL="",
            REDIS_URL="",
            CACHE_URL="locmemcache://",
            DAGSTER_HOME="",
            STATIC_ROOT=str(static_root),
            MEDIA_ROOT=str(tmp / "media"),
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            GUNICORN_BIND=f"127.0.0.1:{app_port}",
            GUNICORN_WORKERS="2",
            GUNICORN_THREADS="2",
            SMOKE_PASSWORD=password,
        )
        python = sys.executable
        # collectstatic runs beside the migration and the seed (one process: `migrate`, then
        # the rows the pages show), each as production would run it.
        collectstatic = subprocess.Popen(
            [python, "manage.py", "collectstatic", "--noinput"],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "deploy.tests.smoke_settings"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            seeded = _run([python, "manage.py", "shell", "-c", SEED], env, timeout=300)
            output, _ = collectstatic.communicate(timeout=300)
        finally:
            _stop(collectstatic)
        assert collectstatic.returncode == 0, f"collectstatic failed:\n{output}"
        company_id = int(seeded.stdout.strip().splitlines()[-1])

        # TLS: a throwaway self-signed certificate for 127.0.0.1, trusted by the test's client.
        cert, key = tmp / "tls.crt", tmp / "tls.key"
        _run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],  # fmt: skip
            env,
        )
        tls = ssl.create_default_context(cafile=str(cert))

        gunicorn = subprocess.Popen(
            [python, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
            stdout=gunicorn_log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            assert gunicorn.poll() is None, f"gunicorn exited:\n{_tail(gunicorn_log)}"
            try:
                if httpx.get(f"http://127.0.0.1:{app_port}/health/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"gunicorn not up in 60 s:\n{_tail(gunicorn_log)}"
            time.sleep(0.3)

        acme = tmp / "acme"
        acme.mkdir()
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (tmp / kind).mkdir()
        site = tmp / "ar-dashboard.conf"
        site.write_text(
            _site_config(
                http_port=http_port,
                https_port=https_port,
                app_port=app_port,
                static_root=static_root,
                cert=cert,
                key=key,
                logs=logs,
                acme=acme,
            )
        )
        conf = tmp / "nginx.conf"
        conf.write_text(_main_config(tmp, site))
        nginx_cmd = [_nginx(), "-p", str(tmp), "-c", str(conf), "-e", str(logs / "startup.log")]
        _run([*nginx_cmd, "-t", "-q"], env)
        nginx = subprocess.Popen(
            nginx_cmd, cwd=tmp, stdout=subprocess.DEVNULL, stderr=(logs / "stderr.log").open("w")
        )
        deadline = time.monotonic() + 30
        base = f"https://127.0.0.1:{https_port}"
        while True:
            assert nginx.poll() is None, f"nginx exited:\n{_tail(logs / 'stderr.log')}"
            try:
                httpx.get(f"{base}/health/", verify=tls, timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "nginx not up in 30 s"
                time.sleep(0.2)

        yield Stack(
            base=base,
            http_base=f"http://127.0.0.1:{http_port}",
            tls=tls,
            env=env,
            database_url=database_url,
            drill_url=databases.url(drill_name),
            static_root=static_root,
            gunicorn_log=gunicorn_log,
            nginx_log_dir=logs,
            company_id=company_id,
            password=password,
            tmp=tmp,
        )
    finally:
        _stop(nginx, signal.SIGQUIT)  # graceful: finish requests, then exit
        _stop(gunicorn)
        for db_name in (name, drill_name):
            try:
                databases.drop(db_name)
            except subprocess.SubprocessError as exc:  # pragma: no cover - reported, not hidden
                print(f"could not drop {db_name}: {exc}", file=sys.stderr)


# Migrates, then adds the data the pages show: one company, a member who may log in, one
# customer with two open invoices (100.00 and 250.50 USD). Prints the company's id.
SEED = """
import os
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from datetime import date
from decimal import Decimal
from ar_dashboard.models import Membership
from ar_dashboard.tests.factories import (
    CompanyFactory, CustomerFactory, InvoiceFactory, MembershipFactory, UserFactory,
)
user = UserFactory(username="%s", password=os.environ["SMOKE_PASSWORD"])
company = CompanyFactory(name="%s", home_currency="USD")
MembershipFactory(user=user, company=company, role=Membership.Role.ADMIN)
customer = CustomerFactory(company=company, name="Harbour Freight Co")
InvoiceFactory(company=company, customer=customer, total=Decimal("100.00"))
InvoiceFactory(company=company, customer=customer, total=Decimal("250.50"),
               posted_on=date(2026, 3, 1), due_on=date(2026, 3, 31))
print(company.pk)
""" % (USERNAME, COMPANY)  # noqa: UP031


@pytest.fixture(scope="module")
def session(stack):
    """A browser session logged in through nginx with the login form (CSRF token and all)."""
    client = stack.client()
    login = client.get("/accounts/login/")
    assert login.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    assert token, "no CSRF token in the login form"
    assert "csrftoken" in client.cookies
    answer = client.post(
        "/accounts/login/",
        data={
            "username": USERNAME,
            "password": stack.password,
            "csrfmiddlewaretoken": token.group(1),
        },
        headers={"Referer": f"{stack.base}/accounts/login/"},
    )
    assert answer.status_code == 302, answer.text[:2000]
    assert answer.headers["location"] == "/ar/"
    session_cookie = next(c for c in answer.headers.get_list("set-cookie") if "sessionid=" in c)
    assert "; secure" in session_cookie.lower()
    assert "; httponly" in session_cookie.lower()
    yield client
    client.close()


def test_health_through_nginx(stack):
    answer = httpx.get(f"{stack.base}/health/", verify=stack.tls, timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok"}
    # Plain HTTP answers health checks itself and sends everything else to HTTPS.
    plain = httpx.get(f"{stack.http_base}/health/", timeout=10)
    assert plain.status_code == 200
    assert plain.json() == {"status": "ok", "database": "ok"}
    redirect = httpx.get(f"{stack.http_base}/ar/?x=1", timeout=10)
    assert redirect.status_code == 301
    assert redirect.headers["location"] == "https://127.0.0.1/ar/?x=1"


def test_login_required_through_nginx(stack):
    with stack.client() as anonymous:
        page = anonymous.get("/ar/")
        assert page.status_code == 302
        assert page.headers["location"].startswith("/accounts/login/")
        api = anonymous.get("/ar/api/summary-stats/")
        assert api.status_code == 401


def test_dashboard_page(stack, session):
    page = session.get("/ar/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert COMPANY in page.text
    assert "Harbour Freight Co" in page.text


def test_api_answer(stack, session):
    answer = session.get("/ar/api/summary-stats/", params={"company": stack.company_id})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    stats = answer.json()
    assert stats["company"] == stack.company_id
    assert stats["currency"] == "USD"
    assert stats["total_ar"] == "350.50"
    assert stats["total_invoices"] == 2
    assert stats["total_customers"] == 1


def test_pdf_export_through_nginx(stack, session):
    """WeasyPrint (Pango) renders under production settings, within nginx's proxy timeouts."""
    answer = session.get(
        "/ar/export/aging-summary.pdf", params={"company": stack.company_id}, timeout=110
    )
    assert answer.status_code == 200, answer.text[:2000]
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    assert COMPANY in text
    assert "350.50" in text


def test_static_files_served_by_nginx(stack, session):
    page = session.get("/ar/")
    hashed = re.search(r"/static/(ar_dashboard/app\.[0-9a-f]{12}\.css)", page.text)
    assert hashed, "the page links no hashed app.css (collectstatic's manifest)"
    path = hashed.group(1)
    css = session.get(f"/static/{path}", headers={"Accept-Encoding": "identity"})
    assert css.status_code == 200
    assert css.content == (stack.static_root / path).read_bytes()
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert css.headers["x-content-type-options"] == "nosniff"
    # Unhashed names may change with a deploy: cached for an hour only.
    plain = session.get("/static/ar_dashboard/app.css")
    assert plain.status_code == 200
    assert plain.headers["cache-control"] == "public, max-age=3600"
    gzipped = session.get(f"/static/{path}", headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["content-encoding"] == "gzip"
    assert gzipped.content == css.content  # httpx decodes
    missing = session.get("/static/ar_dashboard/no-such-file.css")
    assert missing.status_code == 404
    # nginx answered from STATIC_ROOT: gunicorn never saw a /static/ request.
    assert "/static/" not in stack.gunicorn_log.read_text()
    assert "GET /ar/ " in stack.gunicorn_log.read_text()


def test_security_headers(stack, session):
    page = session.get("/ar/")
    headers = page.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    # HTTPS as nginx reports it (X-Forwarded-Proto from $scheme): HSTS for a year.
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert "server" not in headers or headers["server"] == "nginx"  # no version (server_tokens)
    api = session.get("/ar/api/summary-stats/", params={"company": stack.company_id})
    assert api.headers["x-content-type-options"] == "nosniff"
    assert api.headers["strict-transport-security"].startswith("max-age=31536000")
    # Headers the hardening settings add, checked when these settings have them.
    if "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE:
        directives = dict(
            (part.strip().split(" ", 1) + [""])[:2]
            for part in headers["content-security-policy"].split(";")
            if part.strip()
        )
        scripts = directives.get("script-src", directives.get("default-src"))
        assert scripts is not None, headers["content-security-policy"]
        assert "'unsafe-inline'" not in scripts
    if hasattr(settings, "PERMISSIONS_POLICY"):
        assert headers["permissions-policy"] == settings.PERMISSIONS_POLICY
    if "config.security.SecurityHeadersMiddleware" in settings.MIDDLEWARE:
        for answer in (page, api):  # AR figures: never kept by a shared or browser cache
            assert "no-store" in answer.headers["cache-control"]
            assert "private" in answer.headers["cache-control"]


def test_spoofed_forwarded_proto_is_replaced(stack):
    """A client's own X-Forwarded-Proto never reaches Django: plain HTTP stays plain."""
    answer = httpx.get(
        f"{stack.http_base}/health/", headers={"X-Forwarded-Proto": "https"}, timeout=10
    )
    assert answer.status_code == 200
    assert "strict-transport-security" not in answer.headers


def test_request_id_reaches_gunicorn(stack, session):
    """nginx's $request_id is logged by nginx and gunicorn and answered by Django (the
    request-id middleware keeps the X-Request-ID nginx sets): one id follows a request through
    every log."""
    assert "config.request_id.RequestIdMiddleware" in settings.MIDDLEWARE
    answer = session.get("/ar/api/summary-stats/", params={"company": stack.company_id})
    rid = answer.headers.get("x-request-id", "")
    assert re.fullmatch(r"[0-9a-f]{32}", rid), rid  # nginx's $request_id, not one Django made
    # nginx and gunicorn write their access lines after the last byte of the answer has gone
    # out, so the client can hold the answer before either line is in its log: wait for this
    # request's id a little rather than racing them (the last line may be an earlier request).
    access_log = stack.nginx_log_dir / "ar-dashboard.access.log"
    deadline = time.monotonic() + 5
    while True:
        nginx_ids = set(re.findall(r"rid=([0-9a-f]{32})", access_log.read_text()))
        gunicorn_ids = set(re.findall(r"rid=([0-9a-f]{32})", stack.gunicorn_log.read_text()))
        if {rid} <= nginx_ids & gunicorn_ids or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert rid in nginx_ids, "nginx did not log the request's id"
    assert rid in gunicorn_ids, "gunicorn did not log the request's id"


def test_backup_and_restore_drill(stack):
    backups = stack.tmp / "backups"
    backups.mkdir()
    # An older dump beyond BACKUP_KEEP=1 is rotated away.
    (backups / "ar-dashboard-20200101T000000Z.dump").write_bytes(b"old")
    (backups / "ar-dashboard-20200101T000000Z.counts").write_text("public.x|1\n")
    env = {**stack.env, "BACKUP_KEEP": "1"}
    backup = _run([str(DEPLOY / "backup.sh"), str(backups)], env, timeout=120)
    dump = Path(backup.stdout.strip())
    assert dump.parent == backups and dump.exists()
    kept = sorted(p.name for p in backups.iterdir())
    assert kept == sorted([dump.name, dump.with_suffix(".counts").name])
    assert oct(dump.stat().st_mode & 0o777) == "0o600"
    counts = dict(line.split("|") for line in dump.with_suffix(".counts").read_text().splitlines())
    assert counts["public.ar_dashboard_invoice"] == "2"
    assert counts["public.ar_dashboard_company"] == "1"

    drill_env = {**env, "BACKUP_DIR": str(backups), "DRILL_DATABASE_URL": stack.drill_url}
    drill = _run([str(DEPLOY / "restore-drill.sh")], drill_env, timeout=120)
    print(drill.stdout, file=sys.stderr)
    assert "restore drill OK" in drill.stdout, drill.stdout
    assert re.search(r"^public\.ar_dashboard_invoice\s+2\s+2$", drill.stdout, re.M), drill.stdout
    assert len(drill.stdout.splitlines()) == len(counts) + 2  # header, tables, verdict
    drill_name = stack.drill_url.rsplit("/", 1)[1]
    assert not _Databases().exists(drill_name), "the scratch database was left behind"

    # A restore that does not match the source fails the drill.
    counts_file = dump.with_suffix(".counts")
    counts_file.write_text(
        counts_file.read_text().replace(
            "public.ar_dashboard_invoice|2", "public.ar_dashboard_invoice|3"
        )
    )
    failed = subprocess.run(
        [str(DEPLOY / "restore-drill.sh"), str(dump)],
        cwd=ROOT, env=drill_env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert re.search(r"^public\.ar_dashboard_invoice\s+3\s+2  MISMATCH$", failed.stdout, re.M)
    assert "restore drill FAILED: 1 of" in failed.stdout
