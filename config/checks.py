"""System checks for mistakes that would otherwise surface as a 500 on every page."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages


def static_manifest_errors() -> list[Error]:
    """An Error when DEBUG is off and the hashed-static manifest has not been collected.

    Without it, whitenoise's manifest storage raises on the first `{% static %}` of every page.
    """
    storage = storages["staticfiles"]
    manifest_name = getattr(storage, "manifest_name", None)
    if settings.DEBUG or manifest_name is None:
        return []
    manifest = Path(settings.STATIC_ROOT) / manifest_name
    if manifest.exists():
        return []
    return [
        Error(
            f"DEBUG is off and the static files are not collected ({manifest} is missing): "
            "every page would answer 500.",
            hint="Run `python manage.py collectstatic --noinput` (after each deploy), or set "
            "STATIC_ROOT to where they were collected.",
            id="ar.E001",
        )
    ]


@register(Tags.staticfiles, deploy=True)
def static_manifest_check(app_configs, **kwargs) -> list[Error]:
    """A deployment check (`check --deploy`): commands that serve no page (`migrate`, `sync_ar`,
    the sync worker) must run in a container that never collected static files; the web
    server itself refuses to start without them (`fail_without_static_manifest`)."""
    return static_manifest_errors()


def fail_without_static_manifest() -> None:
    """Called by wsgi.py/asgi.py: a server (gunicorn runs no system checks) refuses to start."""
    errors = static_manifest_errors()
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg} {errors[0].hint}")
