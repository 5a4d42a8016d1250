"""The emulator over HTTP: a stdlib ``ThreadingHTTPServer`` that turns sockets into ``Request`` values.

Keep-alive (HTTP/1.1 with Content-Length) and Nagle off on every accepted socket: ``http.server`` with
default settings stalls about 40 ms per keep-alive response while the kernel waits for an ACK that
the client delays. Nothing a client sends takes the server down: an oversized or unreadable body is
refused and the connection closed, a client that goes away mid-request only ends its own thread.

``latency_ms`` plays a distant server: each answer is held that long in its own handler thread, so
one held answer never holds another connection's.
"""

from __future__ import annotations

import contextlib
import math
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from conformance import codes
from conformance.emulator.service import Emulator
from conformance.errors import UsageError
from conformance.exchange import Request, Response, json_response
from conformance.redact import redact_query, redact_text
from conformance.shown import shown

# A correct request is a few kilobytes (a hundred job ids fit in 3 KB); http.server refuses request
# lines over 64 KiB itself, and a body gets the same allowance.
MAX_BODY = 64 * 1024
# An idle keep-alive connection, or a client that stalls mid-request, frees its thread after this.
IDLE_TIMEOUT = 30.0
# What a latency may be, for every place that reads one (the CLI's --latency, a target's latency=).
LATENCY_FORMS = "a number of milliseconds, 0 or more, e.g. 40 or 2.5"


def parse_latency(value: str | float) -> float | None:
    """``value`` as milliseconds of latency, or None when it is not a finite number 0 or more.

    Callers turn None into their own one-line error naming where the value came from and
    ``LATENCY_FORMS``.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    # The range test also refuses nan, which every comparison calls false, and inf.
    return number if 0 <= number < math.inf else None


def latency_text(latency: float) -> str:
    """``40`` for 40.0, ``2.5`` for 2.5: as short as reads back to the same number (an option in
    a replay command, a start-up note)."""
    return str(int(latency)) if latency.is_integer() else repr(latency)


def hold(latency: float, until: threading.Event) -> bool:
    """Wait ``latency`` milliseconds, or less if ``until`` is set first (then True).

    ``Event.wait`` rather than ``time.sleep``: the server's wait must end when it closes, and
    ``sleep`` refuses a finite latency of centuries that a wait capped at ``TIMEOUT_MAX`` takes.
    """
    return until.wait(min(latency / 1000, threading.TIMEOUT_MAX))


class EmulatorServer(ThreadingHTTPServer):
    """Serves one ``Emulator``; ``url`` is the API endpoint (``http://HOST:PORT/iaas/``)."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        emulator: Emulator,
        *,
        log: Callable[[str], None] | None = None,
        log_requests: bool = False,
        latency_ms: float = 0,
    ) -> None:
        held = parse_latency(latency_ms)
        if held is None:
            raise UsageError(f"latency_ms must be {LATENCY_FORMS}, not {latency_ms!r}")
        self.emulator = emulator
        self.log = log or _stderr
        self.log_requests = log_requests
        self.latency_ms = held
        # Set when the server closes: a held answer stops waiting instead of outliving the server.
        self.closing = threading.Event()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks socket.getfqdn, a DNS lookup we neither need nor may make.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    @property
    def url(self) -> str:
        """The endpoint clients call."""
        host = self.server_name
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.server_port}/iaas/"

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._open_lock:
            self._open.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        """Stop listening and end every open connection, so no handler thread lingers."""
        self.closing.set()
        super().server_close()
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):  # already gone
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        # A client that hangs up is not the server's problem; anything else is worth one line.
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        self.log(f"error serving {client_address}: {type(error).__name__}: {error}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "conformance-emulator"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    server: EmulatorServer

    def do_GET(self) -> None:
        self._respond(b"")

    def do_POST(self) -> None:
        body = self._read_body()
        if body is not None:
            self._respond(body)

    # Other methods reach the emulator too, which answers 405 as it does in-process.
    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_POST

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._refuse(411, "send the form body with a Content-Length, not chunked")
            return None
        declared = self.headers.get("Content-Length")
        if declared is None:
            return b""
        length = int(declared) if declared.strip().isdigit() else -1
        if length < 0:
            self._refuse(400, f"Content-Length {declared!r} is not a byte count")
            return None
        if length > MAX_BODY:
            # Not read: closing is cheaper than draining a body we will not use.
            self._refuse(413, f"the body is {length} bytes; at most {MAX_BODY} are accepted")
            return None
        body = self.rfile.read(length)
        if len(body) < length:  # the client went away mid-body
            self.close_connection = True
            return None
        return body

    def _respond(self, body: bytes) -> None:
        target = self.path
        if "://" in target.split("?", 1)[0]:  # absolute form, as sent to a proxy
            parts = urlsplit(target)
            target = parts.path + ("?" + parts.query if parts.query else "")
        path, _, query = target.partition("?")
        kind = self.headers.get("Content-Type")
        request = Request(self.command, path, query, body, {"Content-Type": kind} if kind else {})
        try:
            response = self.server.emulator.handle(request)
        except Exception as error:  # a bug of ours must not end the connection without an answer
            self.server.log(f"emulator failed on {self.command} {self.path[:200]}: {error!r}")
            response = json_response(codes.error_body(codes.INTERNAL_ERROR, "the emulator failed"))
        self._send(response)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (bad request line, URI too long…), as JSON like every error."""
        if code == 501:
            # http.server's answer to a method it has no do_ for (TRACE, HEAD, …) is 501, a server
            # error; for an API that serves GET and POST the method is the client's mistake.
            code, message = 405, f"method {self.command} is not allowed: use GET or POST"
        detail = message or self.responses.get(code, ("refused",))[0]
        self.log_error("code %d, message %s", code, detail)
        self._refuse(code, f"{detail} (HTTP {code})")

    def _refuse(self, status: int, detail: str) -> None:
        self.close_connection = True
        response = json_response(codes.error_body(codes.INVALID_REQUEST_FORMAT, detail), status)
        if status == 405:
            response = Response(status, response.body, (*response.headers, ("Allow", "GET, POST")))
        self._send(response, close=True)

    def _send(self, response: Response, *, close: bool = False) -> None:
        if self.server.latency_ms and hold(self.server.latency_ms, self.server.closing):
            # The server closed while the answer was held: its connection is gone already.
            self.close_connection = True
            return
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if close:
            self.send_header("Connection", "close")
        if self.request_version == "HTTP/0.9":  # no head at all (http.server's own rule)
            self.wfile.write(response.body)
            return
        # Head and body in one write: one syscall and one packet, where end_headers() makes two.
        # (_headers_buffer is http.server's list of head lines; send_response() has created it.)
        self._headers_buffer.append(b"\r\n" + response.body)  # type: ignore[attr-defined]
        self.flush_headers()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.server.log_requests:
            line = _logged(self.requestline)[:200]
            self.server.log(f'{self.address_string()} "{line}" {code}')

    def log_message(self, format: str, *args: Any) -> None:
        # http.server's own complaints (bad request line, timeouts) as one line, never a page.
        self.server.log(f"{self.address_string()} {_logged(format % args)}"[:300])


def _logged(text: str) -> str:
    """A request line as a log may show it: the key id and the signature redacted, control
    characters escaped (a log is read on a terminal, and by many)."""
    return shown(redact_text(redact_query(text)[0])[0])


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def make_server(
    emulator: Emulator,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    log: Callable[[str], None] | None = None,
    log_requests: bool = False,
    latency_ms: float = 0,
) -> EmulatorServer:
    """A bound, not yet serving, server (port 0 picks a free port) that holds each answer
    ``latency_ms`` milliseconds; ``UsageError`` if it cannot bind or the latency is no latency."""
    try:
        return EmulatorServer(
            (host, port), emulator, log=log, log_requests=log_requests, latency_ms=latency_ms
        )
    except OSError as error:
        raise UsageError(
            f"cannot listen on {host}:{port}: {error.strerror or error}; "
            "choose another --port, or --port 0 for a free one"
        ) from None


@contextmanager
def serve(
    emulator: Emulator, host: str = "127.0.0.1", port: int = 0, **options: Any
) -> Iterator[str]:
    """Serve ``emulator`` on a background thread; yields the endpoint URL, stops on exit.

    ``options`` are ``make_server``'s: ``log``, ``log_requests``, ``latency_ms``."""
    server = make_server(emulator, host, port, **options)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},  # how long shutdown waits for the loop
        name=f"conformance-emulator:{server.server_port}",
        daemon=True,
    )
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
