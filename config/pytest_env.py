"""Loaded by pytest before Django (`-p config.pytest_env`): plain `pytest` runs in development
mode, as `make test` does, so no SECRET_KEY is needed. An explicit DEBUG still wins."""

import os

os.environ.setdefault("DEBUG", "true")
# A `replica` alias mirroring the test database (config/routers.py), so the router's tests can
# route to it; replica reads stay off unless a test turns REPLICA_READS on for itself.
if os.environ.get("DATABASE_URL"):
    os.environ.setdefault("DATABASE_REPLICA_URL", os.environ["DATABASE_URL"])
    os.environ.setdefault("REPLICA_READS", "false")
# The API throttle (600 requests a minute per user in production) would refuse the suite's
# own bursts (schema fuzzing): tests that check throttling set a low rate themselves.
os.environ.setdefault("API_THROTTLE_RATE", "1000000/min")
os.environ.setdefault("API_ANON_THROTTLE_RATE", "1000000/min")
