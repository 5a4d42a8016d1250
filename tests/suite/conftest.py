"""Fixtures for the end-to-end tests of the pytest plugin: inner pytest sessions, servers on port 0.

``pytest_plugins = ["pytester"]`` is refused in a conftest below the rootdir (pytest fails the whole
collection of ``pytest tests``), so the plugin is imported here when this folder's conftest loads;
the other folders keep running without it.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class _HtmlHandler(BaseHTTPRequestHandler):
    """Answers every request as a web server's welcome page would: HTTP 200, text/html."""

    protocol_version = "HTTP/1.1"
    timeout = 5  # a handler thread never outlives its test by much

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        page = b"<html><body><h1>Welcome to nginx!</h1></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass  # the test asserts on the suite's output, not the server's


class _HtmlServer(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (socket.getfqdn); nothing here may use DNS.
        socketserver.TCPServer.server_bind(self)


@pytest.fixture
def html_url() -> Iterator[str]:
    """The endpoint URL of a server on 127.0.0.1 port 0 that answers HTTP 200 with an HTML page."""
    server = _HtmlServer(("127.0.0.1", 0), _HtmlHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/iaas/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago and that nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
