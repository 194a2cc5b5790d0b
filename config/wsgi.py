"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: refuse to start rather than answer 500 on every page.
from config.checks import fail_without_static_manifest  # noqa: E402

fail_without_static_manifest()
