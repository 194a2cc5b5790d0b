"""Request ids: every answer says its X-Request-ID and every log record written meanwhile
carries it, so one request's lines can be found across web nodes and the proxy's log."""

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# What a proxy (nginx's $request_id, a load balancer's trace id) may hand us; anything else —
# too long, spaces, quotes, newlines that would forge log lines — is replaced by our own id.
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class RequestIdMiddleware:
    """Takes a sane incoming X-Request-ID or makes one; sets it on the request, the logging
    context and the response header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        request_id_var.set(request_id)
        response = self.get_response(request)
        response.headers[HEADER] = request_id
        return response


def _forget_request_id(**_kwargs) -> None:
    # After the answer is sent (Django's own "Not Found: …" warning is logged after the
    # middleware returns, so the id lives until then), the thread serves no request.
    request_id_var.set(None)


request_finished.connect(_forget_request_id, dispatch_uid="config.request_id.forget")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True
