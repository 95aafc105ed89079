"""The admin API's door: the token is checked on the headers, before any of the body is read; a body
limit holds under /admin; every admin error is OpenAI-shaped; the spec, the docs and /metrics need
the token; a request with two Authorization headers is refused."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import pytest

from tests.helpers import Running, running_gateway


def another_db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'second.db'}"


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10)
    return sock


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length body, read off a raw socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk
        rest += chunk
    return status, headers, rest[:length]


def closed_by_server(sock: socket.socket) -> bool:
    """True when the server closes the connection (EOF or reset) within the socket's timeout."""
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


def assert_openai_error(status: int, body: bytes, expected: int) -> dict[str, Any]:
    assert status == expected, body
    err: dict[str, Any] = orjson.loads(body)["error"]
    assert set(err) >= {"message", "type", "code"} and err["message"]
    return err


def big_post_head(path: str, length: int, token: str | None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (f"POST {path} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n{auth}"
            f"Content-Length: {length}\r\n\r\n").encode() + b'{"name": "'


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_unauthenticated_large_post_is_401_before_the_body_is_read(gw: Running, token: str | None) -> None:
    with connect(gw.url) as sock:
        # 300 MB announced, 10 bytes sent: the answer must come without the rest
        sock.sendall(big_post_head("/admin/orgs", 300_000_000, token))
        status, headers, body = read_response(sock)
        err = assert_openai_error(status, body, 401)
        assert err["type"] == "authentication_error"
        assert headers["connection"] == "close"
        assert closed_by_server(sock)  # the unread rest of the body is never taken in


def test_oversize_admin_body_is_413(gw: Running) -> None:
    token = gw.settings.server.admin_token
    with connect(gw.url) as sock:  # announced: refused on the header
        sock.sendall(big_post_head("/admin/orgs", 300_000_000, token))
        status, headers, body = read_response(sock)
        assert assert_openai_error(status, body, 413)["code"] == "request_too_large"
        assert headers["connection"] == "close"
        assert closed_by_server(sock)
    limit = gw.settings.server.admin_max_body_bytes
    big = {"name": "x" * (limit + 1)}
    r = httpx.post(gw.url + "/admin/orgs", json=big, headers=gw.admin_headers, timeout=10)
    assert_openai_error(r.status_code, r.content, 413)

    def chunks() -> Iterator[bytes]:  # not announced (chunked): refused once it passes the limit
        yield b'{"name": "'
        for _ in range(limit // 1024 + 2):
            yield b"y" * 1024
        yield b'"}'

    r = httpx.post(gw.url + "/admin/orgs", content=chunks(), timeout=10,
                   headers={**gw.admin_headers, "content-type": "application/json"})
    assert_openai_error(r.status_code, r.content, 413)
    # a body within the limit still works
    r = httpx.post(gw.url + "/admin/orgs", json={"name": "Within Limit Ltd"}, headers=gw.admin_headers, timeout=10)
    assert r.status_code == 201, r.text


def test_admin_errors_are_openai_shaped(gw: Running) -> None:
    with httpx.Client(base_url=gw.url, timeout=10, headers=gw.admin_headers) as http:
        for r, status in ((http.get("/admin/no-such-route"), 404), (http.delete("/admin/orgs"), 405),
                          (http.post("/admin/orgs", content=b"{not json",
                                     headers={"content-type": "application/json"}), 400),
                          (http.post("/admin/orgs", json={"name": "X", "tier": 9}), 400),
                          (http.get("/admin/orgs/org_missing"), 404)):
            assert_openai_error(r.status_code, r.content, status)
    # without a token, no route is revealed: every path is 401
    r = httpx.get(gw.url + "/admin/no-such-route", timeout=10)
    assert_openai_error(r.status_code, r.content, 401)


def test_the_spec_and_docs_need_the_token(sqlite_url: str, tmp_path: Path) -> None:
    with running_gateway(sqlite_url) as gw:
        assert httpx.get(gw.url + "/admin/openapi.json", timeout=10).status_code == 401
        assert httpx.get(gw.url + "/admin/docs", timeout=10).status_code == 401
        spec = httpx.get(gw.url + "/admin/openapi.json", headers=gw.admin_headers, timeout=10)
        assert spec.status_code == 200 and spec.json()["info"]["title"] == "Bastion admin API"
        # the Swagger page is off unless server.admin_docs enables it
        r = httpx.get(gw.url + "/admin/docs", headers=gw.admin_headers, timeout=10)
        assert_openai_error(r.status_code, r.content, 404)
    with running_gateway(another_db(tmp_path), server={"admin_docs": True}) as gw:
        assert httpx.get(gw.url + "/admin/docs", timeout=10).status_code == 401
        r = httpx.get(gw.url + "/admin/docs", headers=gw.admin_headers, timeout=10)
        assert r.status_code == 200 and "swagger" in r.text.lower()


def test_metrics_need_the_token_unless_public(sqlite_url: str, tmp_path: Path) -> None:
    with running_gateway(sqlite_url) as gw:
        r = httpx.get(gw.url + "/metrics", timeout=10)
        assert_openai_error(r.status_code, r.content, 401)
        r = httpx.get(gw.url + "/metrics", headers={"Authorization": f"Bearer {gw.keys['active']}"}, timeout=10)
        assert r.status_code == 401  # an org key is no admin token
        r = httpx.get(gw.url + "/metrics", headers=gw.admin_headers, timeout=10)
        assert r.status_code == 200 and "bastion_requests_total" in r.text
    with running_gateway(another_db(tmp_path), server={"metrics_public": True}) as gw:
        assert "bastion_requests_total" in httpx.get(gw.url + "/metrics", timeout=10).text


def test_admin_is_closed_without_a_configured_token(sqlite_url: str) -> None:
    with running_gateway(sqlite_url, server={"admin_token": ""}) as gw:
        for path in ("/admin/orgs", "/admin/openapi.json", "/metrics"):
            r = httpx.get(gw.url + path, headers={"Authorization": "Bearer anything"}, timeout=10)
            assert assert_openai_error(r.status_code, r.content, 403)["code"] == "admin_disabled"


def test_two_authorization_headers_are_refused(gw: Running) -> None:
    chat = orjson.dumps({"model": "demo-model", "messages": [{"role": "user", "content": "hi"}]})
    valid, other = f"Bearer {gw.keys['active']}", f"Bearer {gw.keys['suspended']}"
    assert gw.upstream is not None
    before = gw.upstream.requests
    for path, method in (("/v1/chat/completions", "POST"), ("/v1/models", "GET"), ("/admin/orgs", "GET")):
        for pair in ((other, valid), (valid, valid)):
            headers = [("Authorization", pair[0]), ("Authorization", pair[1]), ("content-type", "application/json")]
            r = httpx.request(method, gw.url + path, headers=headers, timeout=10,
                              content=chat if method == "POST" else None)
            assert assert_openai_error(r.status_code, r.content, 400)["code"] == "duplicate_authorization"
    assert gw.upstream.requests == before
    # one header is fine
    r = httpx.post(gw.v1 + "/chat/completions", content=chat, timeout=10,
                   headers={"Authorization": valid, "content-type": "application/json"})
    assert r.status_code == 200


def test_admin_errors_do_not_echo_long_input(gw: Running) -> None:
    with httpx.Client(base_url=gw.url, timeout=10, headers=gw.admin_headers) as http:
        r = http.post("/admin/orgs", json={"name": "X", "k" * 50_000: 1})  # an unknown field, named at length
        assert_openai_error(r.status_code, r.content, 400)
        assert len(r.content) < 1000
        r = http.get("/admin/orgs/" + "o" * 12_000)
        assert_openai_error(r.status_code, r.content, 404)
        assert len(r.content) < 3000
