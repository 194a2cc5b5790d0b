"""The benchmark's side of `python -m bench.serve`: start it, edit its ledger, stop it."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from bench.serve import memory_mb
from bench.sync import PROJECT_ROOT


class UpstreamError(RuntimeError):
    pass


class UpstreamProcess:
    """A sandbox serving a scaled ledger from a child process, driven over its stdin/stdout."""

    def __init__(
        self, *, documents: int, today: date, seed: int, workers: int, log_path: Path
    ) -> None:
        self.connection_id = f"bench-{documents}"
        self.api_key = secrets.token_urlsafe(24)  # lives as long as the child
        self.log_path = log_path
        self._argv = [
            sys.executable,
            "-m",
            "bench.serve",
            f"--documents={documents}",
            f"--today={today.isoformat()}",
            f"--seed={seed}",
            f"--workers={workers}",
            f"--api-key={self.api_key}",
            f"--connection-id={self.connection_id}",
        ]
        self._child: subprocess.Popen | None = None
        self._log: IO[str] | None = None
        self.base_url = ""
        self.ledger: dict[str, Any] = {}
        self.peak_rss_mb: float | None = None

    def start(self) -> UpstreamProcess:
        """Generate and serve; returns once the sandbox answers (generation takes a while)."""
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self._child = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            self._argv,
            cwd=PROJECT_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        try:
            ready = self._reply()
        except BaseException:
            self.stop()
            raise
        self.base_url, self.ledger = ready["base_url"], ready["ledger"]
        return self

    def _reply(self) -> dict[str, Any]:
        assert self._child is not None and self._child.stdout is not None
        line = self._child.stdout.readline()
        if not line:
            self._child.wait()
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise UpstreamError(f"bench.serve exited ({self._child.returncode}): {tail}")
        return json.loads(line)

    def command(self, **command: Any) -> dict[str, Any]:
        assert self._child is not None and self._child.stdin is not None
        self._child.stdin.write(json.dumps(command) + "\n")
        self._child.stdin.flush()
        reply = self._reply()
        if "error" in reply:
            raise UpstreamError(reply["error"])
        self.peak_rss_mb = reply.get("peak_rss_mb", self.peak_rss_mb)
        return reply

    def pay(self, *, count: int, day: date, first_at: datetime, last_at: datetime) -> int:
        """Pay `count` open invoices upstream (a payment each); returns how many changed."""
        reply = self.command(
            op="pay",
            count=count,
            day=day.isoformat(),
            first_at=first_at.isoformat(),
            last_at=last_at.isoformat(),
        )
        return int(reply["changed"])

    def memory(self) -> dict[str, float]:
        """The sandbox process's resident and peak memory (read from /proc, or asked for)."""
        if self._child is None:
            return {}
        return memory_mb(self._child.pid) or self.command(op="memory")

    def stop(self) -> None:
        if self._child is None:
            return
        if self._child.poll() is None:
            self.peak_rss_mb = memory_mb(self._child.pid).get("peak_rss_mb", self.peak_rss_mb)
        if self._child.stdin is not None:
            self._child.stdin.close()  # the child serves until its stdin closes
        try:
            self._child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()
        if self._child.stdout is not None:
            self._child.stdout.close()
        if self._log is not None:
            self._log.close()
        self._child = None

    def __enter__(self) -> UpstreamProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
