"""A live endpoint as a target: signed requests over HTTP or HTTPS, politely and warily.

Politely means: one keep-alive connection per thread, a cap on the request rate, a timeout, and
bounded retries with exponential back-off where QingCloud's own SDK retries (``ret_code`` 5000 and
5100) and where a connection drops. Warily means a server is hostile until it answered in full: a
deadline covers the whole answer (not each read, which a server dripping a byte at a time never
trips), a body shorter than its ``Content-Length`` is no answer, and nothing a server sends can grow
past ``MAX_BODY``, compressed or not. Only DescribeClusterJobs ever leaves: ``send`` refuses anything
else even when the ``Client``'s guard was bypassed. The key pair never appears in a ``repr`` or an
error message, nor does anything a server may have echoed it into (a ``Location``, a body).
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from conformance import codes, readonly
from conformance.errors import TargetError, UsageError
from conformance.exchange import Request, Response
from conformance.redact import RedactedBytes, RedactedText
from conformance.signing import Credentials
from conformance.targets.base import Target

DEFAULT_PATH = "/iaas/"
# The client signs once and QingCloud accepts a time_stamp for 60 s, so every retry must start well
# inside that; no attempt starts later than this after the first.
RETRY_WINDOW = 40.0
# Back-off doubles from ``backoff`` up to this, so a large ``retries`` cannot outgrow the window.
MAX_DELAY = 8.0
# A page of 100 jobs is a few hundred kilobytes; anything this large is not a DescribeClusterJobs
# answer, and reading it whole would only exhaust memory.
MAX_BODY = 32 * 1024 * 1024
USER_AGENT = "qingcloud-conformance"

#: Content-Encoding values ``send`` decodes, with the zlib window that reads each. ``deflate`` is
#: the zlib format by RFC 9110, but some servers send raw deflate; ``_inflate`` tries both.
DECODED = {"gzip": 31, "x-gzip": 31, "deflate": 15}

# A connection that went away under us: the request may never have reached the server.
# (http.client.RemoteDisconnected, an empty answer, is a ConnectionResetError.)
_DROPPED = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)


class _Failure(Exception):
    """One attempt that got no HTTP answer but may succeed if tried again."""

    def __init__(self, reason: str, *, dropped: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.dropped = dropped


# The deadline (a time.monotonic() value) of the attempt this thread is making, None between them.
# Per thread because each thread has its own connection and makes its own attempts: every blocking
# call on a connection happens in the thread that set its deadline.
_attempt = threading.local()


def _bound(sock: socket.socket) -> None:
    """Give ``sock``'s next blocking call what is left of the attempt's deadline as its timeout.

    A socket timeout alone bounds each call, and a server that drips a byte inside it holds a
    request for ever; shrinking it before every call makes the calls share one deadline.
    """
    deadline: float | None = getattr(_attempt, "deadline", None)
    if deadline is None:
        return
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the attempt's deadline passed")
    sock.settimeout(left)


class _BoundedSocket(socket.socket):
    """A TCP socket whose reads and writes end by the attempt's deadline (``_bound``)."""

    def recv_into(self, *args: Any, **kwargs: Any) -> int:
        _bound(self)
        return super().recv_into(*args, **kwargs)

    def recv(self, *args: Any, **kwargs: Any) -> bytes:
        _bound(self)
        return super().recv(*args, **kwargs)

    def sendall(self, *args: Any, **kwargs: Any) -> None:
        _bound(self)  # one timeout for the whole of sendall, partial sends included
        super().sendall(*args, **kwargs)

    def send(self, *args: Any, **kwargs: Any) -> int:
        _bound(self)
        return super().send(*args, **kwargs)


class _BoundedSSLSocket(_BoundedSocket, ssl.SSLSocket):
    """The same for TLS (its reads bypass the TCP socket; ``sendall`` sends piece by piece through
    ``send``), with the handshake bounded too."""

    def do_handshake(self, *args: Any, **kwargs: Any) -> None:
        _bound(self)
        super().do_handshake(*args, **kwargs)


class _Connection(http.client.HTTPConnection):
    """An HTTP connection over a ``_BoundedSocket``."""

    def connect(self) -> None:
        super().connect()
        self.sock = _BoundedSocket(fileno=self.sock.detach())


class _Pacer:
    """A thread-safe minimum interval between request starts: at most ``rate`` per second.

    A min-interval rather than a bucket with a burst allowance: a staging endpoint's own rate
    limiter (ret_code 2500) sees an even stream, never a burst.
    """

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        # Sleep outside the lock: the slot is already reserved, other threads take the next ones.
        if slot > now:
            time.sleep(slot - now)


class LiveTarget(Target):
    """A DescribeClusterJobs endpoint at ``url`` (``http://…`` or ``https://…``).

    ``path`` is the URL's path exactly (``/iaas/`` when the URL has none), because the signature
    covers it. ``retries``: attempts in all (1 means no retry) for ``ret_code`` 5000/5100, dropped
    connections, refusals, answers cut short and deadlines passed, with back-off ``backoff``,
    ``2 * backoff``, … seconds between them. ``rate``: requests per second at most, across threads
    (None: no cap).

    Time: each attempt has one deadline for all of it (connect, sending, the status line, the
    headers and the whole body): ``timeout`` seconds, or what is left of the request's budget if
    that is less. The budget is ``timeout * retries`` from the start of the first attempt, back-off
    included: no sleep or attempt starts once it is spent, nor any attempt later than
    ``RETRY_WINDOW`` after the first (the signature's time stamp is good for 60 s). So ``send``
    returns or raises within ``timeout * retries`` of its first attempt; the rate cap's wait before
    that attempt is the client's own queue, not the endpoint's time, and is not counted.

    An HTTP answer that arrived in full is returned as a ``Response``, redirects and HTML pages
    too (they are not followed; the checks judge them), its body decoded when its Content-Encoding
    is gzip or deflate. Getting no complete answer after the retries raises ``TargetError``, and so
    does at once an answer that can never be one: a body over ``MAX_BODY``, announced, sent or
    inflated, or something that is not HTTP. Every message is one line naming the URL and the
    cause, never the query, a header value or a body.
    """

    concurrent = True

    def __init__(
        self,
        url: str,
        *,
        credentials: Credentials,
        timeout: float = 10.0,
        retries: int = 3,
        rate: float | None = 10.0,
        backoff: float = 0.5,
    ) -> None:
        _check_options(timeout=timeout, retries=retries, rate=rate, backoff=backoff)
        scheme, netloc, host, port, path = _parse_url(url)
        self.path = path
        self.url = f"{scheme}://{netloc}{path}"
        self.name = self.url
        self.credentials = credentials
        self.timeout = timeout
        self.retries = retries
        self.rate = rate
        self.backoff = backoff
        self._scheme, self._host, self._port = scheme, host, port
        self._pacer = _Pacer(rate)
        #: Called before each retry (the client counts the first attempt): the suite's request
        #: budget counts what the server counts (``conformance.stopping.Stopper.spend``).
        self.on_retry: Callable[[], None] | None = None
        self._local = threading.local()
        # Every connection any thread opened, so ``close`` can end them all.
        self._connections: list[http.client.HTTPConnection] = []
        self._connections_lock = threading.Lock()

    def __repr__(self) -> str:
        # No credentials, not even the key id: a repr ends up in logs and reports.
        return (
            f"LiveTarget({self.url!r}, timeout={self.timeout}, retries={self.retries}, "
            f"rate={self.rate})"
        )

    def send(self, request: Request) -> Response:
        """Send ``request`` as built (it is signed already), retrying as the class describes."""
        _guard(request)
        # Both hold the signature: wrapped so that no traceback's locals show it.
        target = RedactedText(request.path + (f"?{request.query}" if request.query else ""))
        body = RedactedBytes(request.body) if request.body or request.method == "POST" else None
        headers = {"User-Agent": USER_AGENT, **request.headers}
        budget = self.timeout * self.retries
        started = 0.0  # when the first attempt started
        outcome: Response | _Failure | None = None
        attempts = 0
        for attempt in range(self.retries):
            if attempt:
                # A keep-alive connection the server closed while idle is the common drop: the
                # request most likely never arrived, so reconnect at once rather than back off.
                stale = isinstance(outcome, _Failure) and outcome.dropped and attempt == 1
                delay = 0.0 if stale else min(self.backoff * 2 ** (attempt - 1), MAX_DELAY)
                elapsed = time.monotonic() - started
                if elapsed + delay > RETRY_WINDOW or elapsed + delay >= budget:
                    break
                time.sleep(delay)
                if self.on_retry is not None:
                    self.on_retry()  # the server counts a retry as a request: so does a budget
            self._pacer.wait()
            now = time.monotonic()
            if not attempt:
                started = now
            left = budget - (now - started)
            if left <= 0:
                break  # the rate cap's wait spent the rest
            attempts += 1
            try:
                outcome = self._attempt(
                    request.method, target, body, headers, min(self.timeout, left)
                )
            except _Failure as failure:
                outcome = failure
                continue
            if not _retryable(outcome):
                return outcome
        if isinstance(outcome, Response):
            return outcome  # still 5000/5100 after every attempt: the checks judge it
        reason = outcome.reason if outcome is not None else "no attempt was made"
        tried = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        raise TargetError(f"cannot reach {self.url}: {reason} ({tried})")

    def close(self) -> None:
        """Close every thread's connection (a later ``send`` opens a new one)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            connection.close()

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            if self._scheme == "https":
                context = ssl.create_default_context()
                context.sslsocket_class = _BoundedSSLSocket
                connection = http.client.HTTPSConnection(
                    self._host, self._port, timeout=self.timeout, context=context
                )
            else:
                connection = _Connection(self._host, self._port, timeout=self.timeout)
            self._local.connection = connection
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    def _attempt(
        self,
        method: str,
        target: str,
        body: bytes | None,
        headers: Mapping[str, str],
        limit: float,
    ) -> Response:
        """One try, answered in full within ``limit`` seconds, or ``_Failure``/``TargetError``."""
        connection = self._connection()
        reused = connection.sock is not None
        deadline = time.monotonic() + limit
        connection.timeout = limit  # connecting is the first call, so it has all of it
        _attempt.deadline = deadline
        try:
            connection.request(method, target, body=body, headers=dict(headers))
            answer = connection.getresponse()
            status, fields = answer.status, tuple(answer.getheaders())
            data = self._body(answer)
        except (OSError, http.client.HTTPException, _Failure, TargetError) as error:
            # The connection is in an unknown state: the next attempt starts a fresh one
            # (http.client reopens a closed connection by itself).
            connection.close()
            # A socket's timeout, or whatever else the deadline broke (a short body, a drop).
            if isinstance(error, TimeoutError) or time.monotonic() >= deadline:
                raise self._late(limit) from None
            if isinstance(error, (_Failure, TargetError)):
                raise
            raise self._translate(error, reused) from None
        except BaseException:  # an interrupt mid-request: same reason, but not ours to translate
            connection.close()
            raise
        finally:
            _attempt.deadline = None
        return self._decoded(status, fields, data)

    def _body(self, answer: http.client.HTTPResponse) -> bytes:
        """The whole body: ``_Failure`` when it came short, ``TargetError`` when it is too big."""
        declared = answer.length  # None when chunked or delimited by the connection's close
        if declared is not None and declared > MAX_BODY:
            # Not read: a body this size is no DescribeClusterJobs answer, whatever it holds.
            raise TargetError(
                f"{self.url} announced a body of {declared} bytes, more than the "
                f"{MAX_BODY // 2**20} MiB a DescribeClusterJobs answer can be "
                "(is the URL the API endpoint?)"
            )
        # With a Content-Length, http.client returns what came when the connection closes early,
        # without a word (a cut chunked body does raise IncompleteRead): count it here.
        data = answer.read(MAX_BODY + 1)
        if len(data) > MAX_BODY:
            raise TargetError(
                f"{self.url} answered more than {MAX_BODY // 2**20} MiB: "
                "not a DescribeClusterJobs response (is the URL the API endpoint?)"
            )
        if declared is not None and len(data) < declared:
            raise _Failure(
                f"the answer was cut short: {len(data)} of the {declared} body bytes its "
                "Content-Length announced came"
            )
        return data

    def _decoded(self, status: int, fields: tuple[tuple[str, str], ...], data: bytes) -> Response:
        """The Response, its body decoded when its Content-Encoding is one of ``DECODED``."""
        encoding = next((value for name, value in fields if name.lower() == "content-encoding"), "")
        wbits = DECODED.get(encoding.strip().lower())
        if wbits is None:  # none, or one we do not know (br, a list): the checks see it as it came
            return Response(status=status, body=data, headers=fields)
        body = self._inflate(data, wbits, encoding.strip().lower())
        # Both headers describe the bytes on the wire, which the Response no longer holds: kept,
        # a recorded cassette would replay a plain body labelled gzip, of the wrong length.
        kept = tuple(
            (name, value)
            for name, value in fields
            if name.lower() not in ("content-encoding", "content-length")
        )
        return Response(status=status, body=body, headers=kept)

    def _inflate(self, data: bytes, wbits: int, encoding: str) -> bytes:
        """``data`` decompressed, never past ``MAX_BODY``; a gzip body may hold several members."""
        unsupported = TargetError(
            f"{self.url} answered a body labelled Content-Encoding {encoding} that does not "
            "decode (is the URL the API endpoint?)"
        )
        if (
            wbits == 15
            and data[:1]
            and (data[0] & 0x0F != 8 or int.from_bytes(data[:2], "big") % 31)
        ):
            wbits = -15  # no zlib header: raw deflate, as some servers send it
        parts: list[bytes] = []
        size = 0
        rest = data
        while rest:  # each turn consumes a gzip member (18 bytes at least) or the deflate stream
            inflater = zlib.decompressobj(wbits)
            try:
                part = inflater.decompress(rest, MAX_BODY + 1 - size)
            except zlib.error:
                raise unsupported from None
            size += len(part)
            if size > MAX_BODY:
                raise TargetError(
                    f"{self.url} answered a {encoding} body that inflates to more than "
                    f"{MAX_BODY // 2**20} MiB: not a DescribeClusterJobs response"
                )
            parts.append(part)
            if not inflater.eof:
                raise _Failure(f"the {encoding} body was cut short: its stream does not end")
            rest = inflater.unused_data
            if rest and wbits != 31:  # only gzip has members; bytes after a deflate stream do not
                raise unsupported
        return b"".join(parts)

    def _late(self, limit: float) -> _Failure:
        """What passing an attempt's deadline is."""
        if limit < self.timeout:  # the request's budget ran out first
            return _Failure(
                f"no complete answer within {self.timeout:g} s per attempt and "
                f"{self.timeout * self.retries:g} s in all"
            )
        return _Failure(f"no complete answer within {self.timeout:g} s")

    def _translate(self, error: OSError | http.client.HTTPException, reused: bool) -> Exception:
        """The error an attempt's exception becomes: a retryable ``_Failure`` or a final one."""
        where = f"cannot reach {self.url}"
        # Permanent: asking again gives the same answer, so fail at once.
        if isinstance(error, socket.gaierror):
            return TargetError(f"{where}: cannot resolve host {self._host!r} (check the URL)")
        if isinstance(error, _DROPPED):
            return _Failure("the connection was closed before an answer came", dropped=reused)
        if isinstance(error, http.client.IncompleteRead):
            # The server did answer, so this was no stale keep-alive connection: back off.
            return _Failure("the answer was cut short in the middle of its body")
        if isinstance(error, ssl.SSLCertVerificationError):
            detail = error.verify_message or "certificate not trusted"
            return TargetError(f"{where}: TLS certificate rejected: {detail}")
        if isinstance(error, ssl.SSLError):
            return TargetError(f"{where}: TLS failed: {error.reason or 'handshake error'}")
        if isinstance(error, http.client.HTTPException):
            return TargetError(
                f"{self.url} answered something that is not HTTP ({type(error).__name__}); "
                "is the URL the API endpoint?"
            )
        # Transient, or may be: a restarting server refuses for a moment, a busy one is slow.
        if isinstance(error, ConnectionRefusedError):
            return _Failure("connection refused (is the endpoint up?)")
        return _Failure(error.strerror or type(error).__name__)


def _retryable(response: Response) -> bool:
    """Whether the body is a QingCloud error the SDK retries: ``ret_code`` 5000 or 5100."""
    if len(response.body) > 4096:  # an error body is short; do not parse a whole page to find out
        return False
    try:
        document = json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        return False
    code = document.get("ret_code") if isinstance(document, dict) else None
    return isinstance(code, int) and not isinstance(code, bool) and code in codes.RETRYABLE


def _guard(request: Request) -> None:
    """Refuse anything but DescribeClusterJobs, read every way a server might read it."""
    if request.method not in ("GET", "POST"):
        raise UsageError(f"refusing to send a {request.method} request: only GET and POST are sent")
    if (
        not request.path.startswith("/")
        or any(c in request.path for c in "?#")
        or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in request.path)
    ):
        raise UsageError(
            f"refusing to send path {request.path[:100]!r}: the path must be a plain path, "
            "with the parameters in the query or the form body"
        )
    if not (request.path + request.query).isascii():
        # http.client would fail on it anyway, with an exception that names no cause.
        raise UsageError("refusing to send a path or query that is not ASCII: percent-encode it")
    refused = readonly.refusal(request.query, request.body.decode("utf-8", "replace"))
    if refused is not None:
        raise UsageError(f"refusing to send it: {refused}")


def _check_options(*, timeout: float, retries: int, rate: float | None, backoff: float) -> None:
    if not timeout > 0:
        raise UsageError(f"timeout must be a positive number of seconds, not {timeout!r}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 1:
        raise UsageError(f"retries must be a whole number of attempts, 1 or more, not {retries!r}")
    if rate is not None and not rate > 0:
        raise UsageError(
            f"rate must be positive requests per second, or None for no cap, not {rate!r}"
        )
    if not backoff >= 0:
        raise UsageError(f"backoff must be 0 or more seconds, not {backoff!r}")


def _parse_url(url: str) -> tuple[str, str, str, int | None, str]:
    """scheme, netloc, host, port and path of an endpoint URL; ``UsageError`` when it is not one."""
    accepted = "use http://HOST[:PORT][/PATH] or https://…, e.g. https://api.qingcloud.com/iaas/"
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UsageError(f"target URL {url!r} is malformed: {accepted}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"target URL {url!r} is not an endpoint URL: {accepted}")
    if "@" in parts.netloc:
        # Not echoed: whatever is before the @ is likely a secret.
        raise UsageError(
            f"the target URL for host {parts.hostname!r} carries user information; put the key "
            "pair in QINGCLOUD_ACCESS_KEY_ID and QINGCLOUD_SECRET_ACCESS_KEY instead"
        )
    if parts.query or parts.fragment:
        raise UsageError(
            f"target URL {url!r} has a query or fragment; give only the endpoint: {accepted}"
        )
    return scheme, parts.netloc, parts.hostname, port, parts.path or DEFAULT_PATH
