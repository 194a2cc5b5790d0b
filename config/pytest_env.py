"""Loaded by pytest before Django (`-p config.pytest_env`): plain `pytest` runs in development
mode, as `make test` does, so no SECRET_KEY is needed. An explicit DEBUG still wins."""

import os

os.environ.setdefault("DEBUG", "true")
