"""serving.http_server: keep-alive when the framing allows it, werkzeug's answers otherwise."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from rootguard.sandbox.serving.http_server import SandboxServer


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """/echo reads the body; /ignore does not; /stream has no Content-Length; /boom raises."""
    path = environ["PATH_INFO"]
    if path == "/boom":
        raise RuntimeError("boom")
    if path == "/echo":
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"part1-", b"part2"]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    srv = SandboxServer(app, port=0)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def _connection(server: SandboxServer) -> http.client.HTTPConnection:
    host, port = server.host_and_port()
    return http.client.HTTPConnection(host, port, timeout=5)


def test_requests_share_one_connection(server: SandboxServer) -> None:
    conn = _connection(server)
    for n in range(3):
        conn.request("POST", "/echo", body=f"hello {n}".encode())
        response = conn.getresponse()
        assert response.read() == f"hello {n}".encode()
        assert response.getheader("Connection") is None
        assert response.getheader("Server", "").startswith("Werkzeug/")
        assert response.getheader("Date")
        if n == 0:
            first = conn.sock
        assert conn.sock is first  # not reconnected
    conn.close()


def test_an_unread_body_is_drained_before_the_next_request(server: SandboxServer) -> None:
    conn = _connection(server)
    conn.request("POST", "/ignore", body=b"x" * 100_000)
    assert conn.getresponse().read() == b"ok"
    conn.request("POST", "/echo", body=b"next")
    assert conn.getresponse().read() == b"next"
    conn.close()


def test_a_chunked_request_closes_the_connection(server: SandboxServer) -> None:
    # The whole request goes out in one write: the server may answer and close as soon as it has read the
    # headers, and http.client sending the body chunk by chunk would then race that close (EPIPE).
    host, port = server.host_and_port()
    request = (
        b"POST /echo HTTP/1.1\r\nHost: sandbox\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"1\r\na\r\n1\r\nb\r\n0\r\n\r\n"
    )
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        response.read()
        assert response.getheader("Connection") == "close"
        assert sock.recv(1) == b""  # the server closed its end


def test_a_response_without_length_is_chunked_and_closes(server: SandboxServer) -> None:
    conn = _connection(server)
    conn.request("GET", "/stream")
    response = conn.getresponse()
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert response.getheader("Connection") == "close"
    assert response.read() == b"part1-part2"
    conn.close()


def test_head_is_framed_without_a_body(server: SandboxServer) -> None:
    conn = _connection(server)
    conn.request("HEAD", "/ignore")
    response = conn.getresponse()
    assert response.status == 200 and response.read() == b""
    conn.request("GET", "/ignore")
    assert conn.getresponse().read() == b"ok"
    conn.close()


def test_an_application_error_is_a_500_and_closes(server: SandboxServer, caplog: Any) -> None:
    conn = _connection(server)
    conn.request("GET", "/boom")
    response = conn.getresponse()
    assert response.status == 500
    assert b"Internal Server Error" in response.read()
    assert response.getheader("Connection") == "close"
    assert "RuntimeError: boom" in caplog.text
    conn.close()


def test_a_taken_port_raises_oserror(server: SandboxServer) -> None:
    host, port = server.host_and_port()
    other = SandboxServer(app, host=host, port=port)
    with pytest.raises(OSError):
        other.start()


def test_stop_closes_open_connections() -> None:
    srv = SandboxServer(app, port=0)
    srv.start()
    conn = _connection(srv)
    conn.request("GET", "/ignore")
    assert conn.getresponse().read() == b"ok"
    srv.stop()
    with pytest.raises((http.client.HTTPException, ConnectionError, socket.timeout)):
        conn.request("GET", "/ignore")
        conn.getresponse().read()
    conn.close()
