"""Scale-out settings: REDIS_URL, CACHE_TTL_SECONDS, DATABASE_REPLICA_URL, REPLICA_LAG_SECONDS.

Each case starts a fresh interpreter: settings are read once, at start-up.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCALING_VARS = (
    "REDIS_URL",
    "CACHE_URL",
    "CACHE_TTL_SECONDS",
    "DATABASE_REPLICA_URL",
    "REPLICA_READS",
    "REPLICA_LAG_SECONDS",
)
SHOW = """
import json, os
os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'
from django.conf import settings as s
print(json.dumps({
    'aliases': sorted(s.DATABASES),
    'replica_test': s.DATABASES.get('replica', {}).get('TEST'),
    'replica_name': s.DATABASES.get('replica', {}).get('NAME'),
    'routers': s.DATABASE_ROUTERS,
    'middleware': s.MIDDLEWARE,
    'cache': s.CACHES['default'],
    'session_engine': s.SESSION_ENGINE,
    'ttl': s.CACHE_TTL_SECONDS,
    'lag': s.REPLICA_LAG_SECONDS,
    'replica_reads': s.REPLICA_READS,
}))
"""


def _settings(**overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SCALING_VARS}
    env.update(DEBUG="true", DATABASE_URL="sqlite:////tmp/ar-primary.sqlite3", **overrides)
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _shown(**overrides) -> dict:
    result = _settings(**overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_the_new_variables_nothing_changes():
    shown = _shown()

    assert shown["aliases"] == ["default"]
    assert shown["routers"] == []
    assert "config.routers.ReplicaRoutingMiddleware" not in shown["middleware"]
    assert shown["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert shown["session_engine"] == "django.contrib.sessions.backends.db"
    assert (shown["ttl"], shown["lag"], shown["replica_reads"]) == (300, 10, True)


def test_a_replica_url_adds_the_alias_the_router_and_the_middleware():
    shown = _shown(
        DATABASE_REPLICA_URL="sqlite:////tmp/ar-replica.sqlite3", REPLICA_LAG_SECONDS="3"
    )

    assert shown["aliases"] == ["default", "replica"]
    assert shown["replica_name"] == "/tmp/ar-replica.sqlite3"
    assert shown["replica_test"] == {"MIRROR": "default"}
    assert shown["routers"] == ["config.routers.ReplicaRouter"]
    middleware = shown["middleware"]
    # before sessions and authentication, so the whole request is routed
    assert (
        middleware.index("config.routers.ReplicaRoutingMiddleware")
        == middleware.index("django.contrib.sessions.middleware.SessionMiddleware") - 1
    )
    assert shown["lag"] == 3


def test_redis_url_selects_djangos_redis_cache_and_cached_sessions():
    shown = _shown(REDIS_URL="redis://cache.internal:6379/2", CACHE_TTL_SECONDS="60")

    assert shown["cache"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.internal:6379/2",
        "KEY_PREFIX": "ar",
    }
    assert shown["session_engine"] == "django.contrib.sessions.backends.cached_db"
    assert shown["ttl"] == 60


def test_redis_url_wins_over_cache_url():
    shown = _shown(REDIS_URL="redis://127.0.0.1:6379/0", CACHE_URL="locmemcache://")

    assert shown["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("REDIS_URL", "http://cache:6379", "REDIS_URL='http://cache:6379' must start with"),
        ("CACHE_TTL_SECONDS", "-1", "CACHE_TTL_SECONDS cannot be negative"),
        ("CACHE_TTL_SECONDS", "5m", "CACHE_TTL_SECONDS='5m' is not an integer"),
        ("REPLICA_LAG_SECONDS", "-1", "REPLICA_LAG_SECONDS cannot be negative"),
        ("REPLICA_READS", "sometimes", "REPLICA_READS='sometimes' is not a boolean"),
        ("DATABASE_REPLICA_URL", "nosuch://x", "DATABASE_REPLICA_URL is not a valid database"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(name, value, message):
    result = _settings(**{name: value})

    assert result.returncode != 0
    assert message in result.stderr
