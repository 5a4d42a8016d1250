"""Servers the target tests talk to: the real emulator over HTTP, and a scripted misbehaving one.

All listen on 127.0.0.1 port 0; the fixtures in conftest.py stop and close them.
"""

from __future__ import annotations

import gzip
import json
import socket
import socketserver
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from conformance.emulator.server import EmulatorServer

OK = {"action": "DescribeClusterJobsResponse", "total_count": 0, "job_set": [], "ret_code": 0}
HTML = b"<html><body><h1>Welcome to nginx!</h1></body></html>"
OK_BODY = json.dumps(OK).encode()
#: What ``bomb`` inflates to; a test lowers the live target's MAX_BODY below it.
BOMB = 4 * 1024 * 1024
BROTLI = b"\x0b\x02\x80{}\x03"  # '{}' as brotli would send it: opaque to the target


class CountingServer(EmulatorServer):
    """The emulator's HTTP server, counting the connections it accepted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.connections = 0
        super().__init__(*args, **kwargs)

    def get_request(self) -> tuple[socket.socket, Any]:
        accepted = super().get_request()
        self.connections += 1  # only the serving thread accepts, so no lock is needed
        return accepted


class ScriptedServer(ThreadingHTTPServer):
    """Plays ``script`` one step per request (the last step repeats) and records every request.

    Steps: ``ok``; ``busy`` (ret_code 5100); ``internal`` (5000); ``html`` (200, text/html);
    ``html500``; ``drop`` (close the connection without answering); ``ok-then-hang-up`` (answer as
    if keeping the connection alive, then close it: a keep-alive connection gone stale);
    ``truncated`` (the ``ok`` body's Content-Length, half its bytes, then a close); ``chunk-cut``
    (chunked, then a close in the middle of a chunk); ``deflate`` and ``raw-deflate`` (the ``ok``
    body as zlib or raw deflate, labelled ``Content-Encoding: deflate``); ``bomb`` (a gzip body
    inflating to ``BOMB`` bytes); ``two-members`` (gzip in two members, as ``cat a.gz b.gz``);
    ``garbled`` (a body labelled gzip that is not); ``br`` (a body labelled with an encoding nobody
    decodes).
    """

    daemon_threads = True

    def __init__(self, script: list[str]) -> None:
        self.script = script
        self.requests: list[tuple[str, str, bytes]] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _ScriptedHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would look the host name up; nothing here may use DNS.
        socketserver.TCPServer.server_bind(self)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/iaas/"

    @property
    def attempts(self) -> int:
        with self.lock:
            return len(self.requests)

    def next_step(self, method: str, path: str, body: bytes) -> str:
        with self.lock:
            step = self.script[min(len(self.requests), len(self.script) - 1)]
            self.requests.append((method, path, body))
        return step


class _ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # a handler thread never outlives a test by much
    server: ScriptedServer

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        step = self.server.next_step(self.command, self.path, body)
        if step == "drop":
            self.close_connection = True
            return
        if step in ("html", "html500"):
            self._send(200 if step == "html" else 500, HTML, "text/html")
            return
        if step in _ENCODED:
            encoding, packed = _ENCODED[step]()
            self._send(200, packed, "application/json", ("Content-Encoding", encoding))
            return
        if step == "truncated":
            self.close_connection = True
            self._send(200, OK_BODY, "application/json", length=len(OK_BODY))
            return
        if step == "chunk-cut":
            self.close_connection = True
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n%s" % (len(OK_BODY), OK_BODY[:5]))
            return
        document = {
            "busy": {"ret_code": 5100, "message": "ServerBusy, try again later"},
            "internal": {"ret_code": 5000, "message": "InternalError, oops"},
        }.get(step, OK)
        self._send(200, json.dumps(document).encode(), "application/json")
        if step == "ok-then-hang-up":
            self.close_connection = True  # without saying so in a Connection header

    do_POST = do_GET

    def _send(
        self, status: int, body: bytes, kind: str, *extra: tuple[str, str], length: int = 0
    ) -> None:
        """Answer ``body``; with ``length``, announce that many bytes but send only half of them."""
        self.send_response(status)
        self.send_header("Content-Type", kind)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Length", str(length or len(body)))
        self.end_headers()
        self.wfile.write(body[: length // 2] if length else body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the tests assert on what the server saw, not on its log


def _bomb() -> tuple[str, bytes]:
    return "gzip", gzip.compress(bytes(BOMB), 1)


def _raw_deflate() -> tuple[str, bytes]:
    packer = zlib.compressobj(wbits=-15)
    return "deflate", packer.compress(OK_BODY) + packer.flush()


_ENCODED = {
    "deflate": lambda: ("deflate", zlib.compress(OK_BODY)),
    "raw-deflate": _raw_deflate,
    "bomb": _bomb,
    "two-members": lambda: ("gzip", gzip.compress(OK_BODY[:9]) + gzip.compress(OK_BODY[9:])),
    "garbled": lambda: ("gzip", b"\x1f\x8b but not gzip at all"),
    "br": lambda: ("br", BROTLI),
}


def serving(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    return thread


def stop(server: ThreadingHTTPServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
