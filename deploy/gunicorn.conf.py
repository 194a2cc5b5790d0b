"""gunicorn settings for the AR Aging Dashboard, from the environment.

    gunicorn -c deploy/gunicorn.conf.py config.wsgi

GUNICORN_BIND          address to listen on (default 127.0.0.1:8000; 0.0.0.0:8000 in Docker)
GUNICORN_WORKERS       worker processes (default 2 × the CPUs this process may use, at least 2)
GUNICORN_THREADS       threads per worker (default 4; gthread workers: requests wait on the
                       database, threads keep a worker busy meanwhile)
GUNICORN_TIMEOUT       seconds a request may take before its worker is restarted (default 120:
                       above the slowest export, a 5,000-customer PDF took 31.5 s)
GUNICORN_MAX_REQUESTS  recycle a worker after this many requests (default 1000, 0 = never)
TRUSTED_PROXY          true when a proxy that sets X-Forwarded-Proto (deploy/nginx) is the only
                       way in; gunicorn then believes X-Forwarded-* from FORWARDED_ALLOW_IPS
                       (default 127.0.0.1,::1: nginx on the same host; `*` in compose, where
                       only nginx reaches the web container). Unset or false: from nobody.
"""

import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not an integer") from None


def _cpus() -> int:
    """CPUs this process may run on (affinity; a container's CPU quota when it is lower)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:  # cgroup v2: "max 100000" or "<quota> <period>"
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()
        if quota != "max":
            cpus = min(cpus, max(1, int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return cpus or 1


def _trusted_proxy() -> bool:
    raw = os.environ.get("TRUSTED_PROXY", "").strip().lower()
    if raw in {"", "0", "false", "no", "off"}:
        return False
    if raw in {"1", "true", "yes", "on"}:
        return True
    raise SystemExit(f"TRUSTED_PROXY={raw!r} is not a boolean (use true/false)")


wsgi_app = "config.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = _int("GUNICORN_WORKERS", max(2, 2 * _cpus()))
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10
# Heartbeat files in memory: a container's overlay filesystem can stall workers' heartbeats.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# X-Forwarded-Proto/For only from the trusted proxy; anyone else's are ignored.
forwarded_allow_ips = (
    os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1") if _trusted_proxy() else ""
)

# Logs to stdout/stderr (journald, docker logs). The access line carries the request id nginx
# sent (X-Request-ID), the client nginx saw and the time taken in milliseconds.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s client=%({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(M)sms '
    'rid=%({x-request-id}i)s ua="%(a)s"'
)
proc_name = "ar-dashboard"
