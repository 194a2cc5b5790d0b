"""The sandbox's stand-in for Unified.to's hosted authorization and connection removal."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.unified.client import UnifiedClient, UnifiedHTTPError, connection_auth_url
from connectors.unified.sandbox import SandboxData, SandboxServer

KEY = "auth-test-key"


@pytest.fixture
def sandbox():
    with SandboxServer(SandboxData(), api_key=KEY, connection_ids={"demo"}) as server:
        yield server


def auth_url(sandbox, **extra) -> str:
    return connection_auth_url(
        workspace_id="ws-1",
        success_redirect="https://app.example/ar/connect/success/?x=1",
        failure_redirect="https://app.example/ar/connect/failure/",
        state="s-123",
        base_url=sandbox.base_url,
        **extra,
    )


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_the_consent_page_needs_no_api_token(sandbox):
    answer = httpx.get(auth_url(sandbox))
    assert answer.status_code == 200
    assert "Connect quickbooks" in answer.text and 'id="authorize"' in answer.text
    assert 'name="state" value="s-123"' in answer.text


def test_authorize_redirects_to_success_with_a_new_connection_and_the_state(sandbox):
    answer = httpx.get(auth_url(sandbox) + "&decision=allow")
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith("https://app.example/ar/connect/success/?")
    params = query(location)
    assert params["x"] == ["1"] and params["state"] == ["s-123"]
    (connection_id,) = params["id"]
    assert connection_id in sandbox.connection_ids
    # the new connection serves the ledger like any other
    with UnifiedClient(api_key=KEY, base_url=sandbox.base_url) as client:
        assert list(client.list_contacts(connection_id)) == []


def test_cancel_redirects_to_failure_with_an_error_and_the_state(sandbox):
    answer = httpx.get(auth_url(sandbox) + "&decision=deny")
    params = query(answer.headers["Location"])
    assert answer.headers["Location"].startswith("https://app.example/ar/connect/failure/?")
    assert params["error"][0].startswith("access_denied")
    assert params["state"] == ["s-123"]


def test_a_missing_success_redirect_is_a_400(sandbox):
    answer = httpx.get(f"{sandbox.base_url}/unified/integration/auth/ws-1/quickbooks")
    assert answer.status_code == 400


def test_delete_connection(sandbox):
    with UnifiedClient(api_key=KEY, base_url=sandbox.base_url) as client:
        assert client.delete_connection("demo") is True
        assert "demo" not in sandbox.connection_ids
        assert client.delete_connection("demo") is False  # already gone: 404


def test_delete_connection_needs_the_api_token(sandbox):
    with (
        UnifiedClient(api_key="wrong", base_url=sandbox.base_url) as client,
        pytest.raises(UnifiedHTTPError, match="401"),
    ):
        client.delete_connection("demo")
    assert "demo" in sandbox.connection_ids
