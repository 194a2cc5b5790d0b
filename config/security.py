"""Response headers every answer carries, and the client address behind a trusted proxy."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

NO_STORE = "private, no-store"


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY the last X-Forwarded-For hop.

    The last entry is the one the trusted proxy appended (nginx's
    `$proxy_add_x_forwarded_for`); earlier ones are whatever the client sent, so trusting them
    would let a password guesser pick a fresh address for every try.
    """
    if settings.TRUSTED_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR")


class SecurityHeadersMiddleware:
    """Permissions-Policy on every answer; `Cache-Control: private, no-store` on every answer
    that may hold AR data (everything but static files and the health check), so neither a
    shared proxy nor the browser's disk or back button keeps a copy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if not self._public(request.path):
            response.headers["Cache-Control"] = NO_STORE
            response.headers.pop("Expires", None)
        return response

    def _public(self, path: str) -> bool:
        return path.startswith(self.static_prefix) or path == "/health/"
