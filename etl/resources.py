"""Resources of the AR pipeline: Django (set up lazily at run time) and the Unified.to client.

Nothing here touches Django at import: `dagster dev` loads this code location in processes that
have no settings module yet, and importing models there would fail or, worse, read the wrong
database. The resources set Django up when a run, sensor or schedule first needs it.
"""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from dagster import ConfigurableResource, InitResourceContext

from etl.steps import unified_client

if TYPE_CHECKING:
    from connectors.unified.client import UnifiedClient

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# True once this process's Django was set up by DjangoResource: only then do its connections
# belong to us to close. In pytest or manage.py the host process owns Django and its
# connections (a test transaction must not be closed under its feet).
_django_owned = False


class DjangoResource(ConfigurableResource):
    """Django configured for the ORM; a no-op where the process has already configured it."""

    settings_module: str = "config.settings"

    def setup_for_execution(self, context: InitResourceContext) -> None:
        global _django_owned
        from django.apps import apps

        if apps.ready:
            return
        import django

        # Dagster puts the working directory on sys.path only while it imports the code
        # location, so the run worker may not find `config` (or `ar_dashboard`) by itself.
        if str(PROJECT_ROOT) not in sys.path:
            sys.path.insert(0, str(PROJECT_ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", self.settings_module)
        django.setup()
        _django_owned = True

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        # Runs and sensor ticks may execute on pooled threads of a long-lived process: close
        # what they opened, so no connection outlives its tick or is reused after the server
        # dropped it.
        if _django_owned:
            from django.db import connections

            connections.close_all()


class UnifiedResource(ConfigurableResource):
    """The Unified.to HTTP client; unset fields fall back to the Django settings (UNIFIED_*).

    Settings are read when a client is made, not at import, so the one reader of the
    environment stays `config/settings.py`. Tests point `base_url` at a SandboxServer and
    shrink the backoff so retried 429/500 answers cost milliseconds.
    """

    api_key: str | None = None
    base_url: str | None = None
    timeout: float | None = None
    max_retries: int | None = None
    max_rate_limit_retries: int | None = None
    page_size: int | None = None
    backoff_base: float = 0.5
    backoff_max: float = 30.0

    def get_client(self) -> AbstractContextManager[UnifiedClient]:
        """A client for one step, closed afterwards (it holds an HTTP connection pool)."""
        return unified_client(**self.model_dump())
