"""Issue 20, faults the database server sees: a sync process killed mid-load, the server dropping
the sync's connection, and a web request after a dropped connection.

We cannot restart the shared PostgreSQL server, so a restart is played from the server's side:
`pg_terminate_backend` from another connection ends the sync's session exactly as a restart
does (the client gets "terminating connection due to administrator command"). PostgreSQL only,
and with committed data (`transaction=True`): a second process and a second session must see
the rows. The expectations common to every fault are in faults.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.test import RequestFactory
from django.utils import timezone

from ar_dashboard.models import SyncLog
from ar_dashboard.services.sync import reaped_message
from etl.resources import PROJECT_ROOT
from etl.tests.conftest import API_KEY, CONNECTION, NOW
from etl.tests.faults import (
    assert_failed_safely,
    assert_recovers,
    good_first_sync,
    run,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fault_settings"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only: SQLite has no server to drop a session, and its test database "
        "lives in this process's memory, out of a second process's reach",
    ),
]

# `sync_ar` in a child process, its clock at NOW, stopping for good inside the load's
# transaction (the documents written, the payments not yet) after saying so on stdout.
CHILD = """
import sys, time
from datetime import datetime
from unittest import mock

import django
django.setup()
import time_machine
from django.core.management import call_command

def hang(*args, **kwargs):
    print("loading", flush=True)
    time.sleep(600)

now, connection_id, base_url = sys.argv[1:]
with time_machine.travel(datetime.fromisoformat(now), tick=True), mock.patch(
    "ar_dashboard.services.ledger_load._load_payments", side_effect=hang
):
    call_command("sync_ar", "--connection", connection_id, "--base-url", base_url)
"""


def database_url() -> str:
    """The test database's URL, for a child process."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{s['USER']}{password}@{host}/{s['NAME']}"


def terminate_backend(pid: int) -> None:
    """End a session from another one, as a server restart (or an administrator) does."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone() == (True,)
    finally:
        other.close()


def test_sync_ar_killed_mid_load_leaves_the_ledger_and_its_dead_log_is_reaped(sandbox, today):
    dashboard, first, answers, stored = good_first_sync(sandbox)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DATABASE_REPLICA_URL": "",
        "UNIFIED_API_KEY": API_KEY,
        "DEBUG": "true",
    }
    child = subprocess.Popen(  # noqa: S603 — our own interpreter and script
        # The child's clock starts where this test's (travelling) clock is now, so its sync is
        # requested after the first one, as a real later sync would be.
        [sys.executable, "-c", CHILD, timezone.now().isoformat(), CONNECTION, sandbox.base_url],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    said: list[str] = []
    reader = threading.Thread(target=lambda: said.append(child.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout=240)
    try:
        assert said == ["loading\n"], child.stderr.read() if child.poll() is not None else said
        running = SyncLog.objects.get(status=SyncLog.Status.RUNNING)
        assert running.progress == "loading"
        assert dashboard.stored() == stored  # its writes are not committed
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    assert dashboard.answers() == answers
    assert dashboard.stored() == stored
    # Past the lease, the pages call the silent sync failed before anything reaps it.
    with time_machine.travel(NOW + timedelta(minutes=20), tick=True):
        html = dashboard.home()
        assert "The last sync failed" in html
        assert "The sync stopped without finishing: its process was stopped or crashed." in html
        assert dashboard.status()["warning"].startswith(
            "The last sync failed: The sync stopped without finishing"
        )
        running.refresh_from_db()
        assert running.status == SyncLog.Status.RUNNING  # reading wrote nothing

        assert_recovers(dashboard, sandbox)

    running.refresh_from_db()
    assert running.status == SyncLog.Status.FAILED
    assert running.error == reaped_message(running.heartbeat_at)


def test_the_server_dropping_the_sync_connection_mid_load_fails_it_cleanly(sandbox, sleeps, today):
    dashboard, first, answers, stored = good_first_sync(sandbox)

    def dropped(*args, **kwargs):
        terminate_backend(connection.connection.info.backend_pid)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # the load's next statement

    with mock.patch("ar_dashboard.services.ledger_load._load_payments", side_effect=dropped):
        assert not run(sandbox).success

    log = assert_failed_safely(
        dashboard,
        first,
        answers,
        stored,
        "The connection to the database was lost during the sync (restarted or cut off).",
    )
    assert "OperationalError" in log.error
    assert_recovers(dashboard, sandbox)


def test_a_web_request_after_the_server_dropped_the_connection_reconnects():
    """A worker's persistent connection is dead after a restart; the next request's first
    query would fail on it. CONN_HEALTH_CHECKS makes Django check it and reconnect first."""
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.settings_dict["CONN_MAX_AGE"] > 0  # connections outlive a request
    handler = WSGIHandler()

    def get_health() -> tuple[str, dict]:
        environ = RequestFactory()._base_environ(PATH_INFO="/health/", REQUEST_METHOD="GET")
        statuses: list[str] = []
        response = handler(environ, lambda status, headers, exc_info=None: statuses.append(status))
        body = b"".join(response)
        response.close()  # request_finished: the connection is kept for the next request
        return statuses[0], json.loads(body)

    assert get_health() == ("200 OK", {"status": "ok", "database": "ok"})
    pid = connection.connection.info.backend_pid
    terminate_backend(pid)

    assert get_health() == ("200 OK", {"status": "ok", "database": "ok"})
    assert connection.connection.info.backend_pid != pid
