"""The stand-in for Unified.to's hosted authorization, so "Connect QuickBooks" works locally.

`GET /unified/integration/auth/{workspace_id}/{integration_type}?success_redirect=…` answers a
consent page (Unified.to would send the browser on to QuickBooks' own). "Authorize" creates a
connection the sandbox then serves the demo ledger under, and redirects to `success_redirect`
with `id=<connection id>` (and `state`) appended; "Cancel" redirects to `failure_redirect` with
`error` (and `state`), the way Unified.to reports a refused or failed authorization.
`DELETE /unified/connection/{id}` removes a connection (bearer token required).
"""

from __future__ import annotations

import html
import itertools
import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from connectors.unified.sandbox.query import ApiError

if TYPE_CHECKING:
    from connectors.unified.sandbox.server import SandboxServer

AUTH_PREFIX = "/unified/integration/auth/"
CONNECTION_PREFIX = "/unified/connection/"
DENIED = "access_denied: the user cancelled the authorization"
_numbers = itertools.count(1)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {integration}</title></head>
<body style="font-family: sans-serif; max-width: 36rem; margin: 3rem auto">
<h1>Connect {integration}</h1>
<p>Unified.to sandbox (workspace <code>{workspace}</code>): this page stands in for the
integration's own consent screen.</p>
<form method="get" action="{action}">
{hidden}
<button type="submit" name="decision" value="allow" id="authorize">Authorize</button>
<button type="submit" name="decision" value="deny" id="cancel">Cancel</button>
</form></body></html>"""


def with_params(url: str, params: dict[str, str]) -> str:
    """`url` with `params` added to its query string (keeping any it has)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _redirect(location: str) -> tuple:
    return 302, {"Location": location, "Cache-Control": "no-store"}, b""


def authorization_answer(sandbox: SandboxServer, path: str, query: dict[str, str]) -> tuple:
    """The consent page, or (with `decision`) the redirect back to the application."""
    segments = [s for s in path[len(AUTH_PREFIX) :].split("/") if s]
    if len(segments) != 2:
        raise ApiError(404, f"no route for GET {path}")
    workspace, integration = segments
    success = query.get("success_redirect", "")
    if not success.startswith(("http://", "https://")):
        raise ApiError(400, "success_redirect (an absolute URL) is required")
    failure = query.get("failure_redirect") or success
    state = {"state": query["state"]} if "state" in query else {}
    decision = query.get("decision")
    if decision == "allow":
        connection_id = f"sbx_{integration}_{next(_numbers)}"
        with sandbox._lock:
            sandbox.connection_ids.add(connection_id)
        return _redirect(with_params(success, {"id": connection_id, **state}))
    if decision == "deny":
        return _redirect(with_params(failure, {"error": DENIED, **state}))
    kept = {k: v for k, v in query.items() if k != "decision"}
    hidden = "\n".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in kept.items()
    )
    body = PAGE.format(
        integration=html.escape(integration),
        workspace=html.escape(workspace),
        action=html.escape(path),
        hidden=hidden,
    ).encode("utf-8")
    return 200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}, body


def connection_delete(sandbox: SandboxServer, path: str) -> tuple:
    """`DELETE /unified/connection/{id}`: 200 with the removed id, 404 if unknown."""
    connection_id = path[len(CONNECTION_PREFIX) :].strip("/")
    with sandbox._lock:
        if connection_id not in sandbox.connection_ids:
            raise ApiError(404, f"connection {connection_id!r} not found")
        sandbox.connection_ids.discard(connection_id)
    body = json.dumps({"id": connection_id, "deleted": True}).encode("utf-8")
    return 200, {"Content-Type": "application/json"}, body
