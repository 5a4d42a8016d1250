"""A live endpoint as a target: signed requests over HTTP or HTTPS, politely.

Politely means: one keep-alive connection per thread, a cap on the request rate, a timeout, and
bounded retries with exponential back-off where QingCloud's own SDK retries (``ret_code`` 5000 and
5100) and where a connection drops. Only DescribeClusterJobs ever leaves: ``send`` refuses anything
else even when the ``Client``'s guard was bypassed. The key pair never appears in a ``repr`` or an
error message.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from urllib.parse import unquote_plus, urlsplit

from conformance import codes
from conformance.errors import TargetError, UsageError
from conformance.exchange import Request, Response
from conformance.signing import Credentials
from conformance.targets.base import Target

ACTION = "DescribeClusterJobs"
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

# A connection that went away under us: the request may never have reached the server.
_DROPPED = (
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
    http.client.IncompleteRead,
)


class _Failure(Exception):
    """One attempt that got no HTTP answer but may succeed if tried again."""

    def __init__(self, reason: str, *, dropped: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.dropped = dropped


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
    covers it. ``timeout``: seconds per connect and per read. ``retries``: attempts in all (1 means
    no retry) for ``ret_code`` 5000/5100, dropped connections, refusals and timeouts, with back-off
    ``backoff``, ``2 * backoff``, … seconds between them. ``rate``: requests per second at most,
    across threads (None: no cap). Any HTTP answer is returned as a ``Response``; no answer at all
    raises ``TargetError`` with one line naming the URL and the cause.
    """

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
        target = request.path + (f"?{request.query}" if request.query else "")
        body = request.body if request.body or request.method == "POST" else None
        headers = {"User-Agent": USER_AGENT, **request.headers}
        started = time.monotonic()
        outcome: Response | _Failure | None = None
        attempts = 0
        for attempt in range(self.retries):
            if attempt:
                # A keep-alive connection the server closed while idle is the common drop: the
                # request most likely never arrived, so reconnect at once rather than back off.
                stale = isinstance(outcome, _Failure) and outcome.dropped and attempt == 1
                delay = 0.0 if stale else min(self.backoff * 2 ** (attempt - 1), MAX_DELAY)
                if time.monotonic() - started + delay > RETRY_WINDOW:
                    break
                time.sleep(delay)
            self._pacer.wait()
            attempts += 1
            try:
                outcome = self._attempt(request.method, target, body, headers)
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
                connection = http.client.HTTPSConnection(
                    self._host,
                    self._port,
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                connection = http.client.HTTPConnection(
                    self._host, self._port, timeout=self.timeout
                )
            self._local.connection = connection
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    def _attempt(
        self, method: str, target: str, body: bytes | None, headers: Mapping[str, str]
    ) -> Response:
        connection = self._connection()
        reused = connection.sock is not None
        try:
            connection.request(method, target, body=body, headers=dict(headers))
            answer = connection.getresponse()
            data = answer.read(MAX_BODY + 1)
            status, fields = answer.status, tuple(answer.getheaders())
        except (OSError, http.client.HTTPException) as error:
            # The connection is in an unknown state: the next attempt starts a fresh one
            # (http.client reopens a closed connection by itself).
            connection.close()
            raise self._translate(error, reused) from None
        except BaseException:  # an interrupt mid-request: same reason, but not ours to translate
            connection.close()
            raise
        if len(data) > MAX_BODY:
            connection.close()
            raise TargetError(
                f"{self.url} answered more than {MAX_BODY // 2**20} MiB: "
                "not a DescribeClusterJobs response (is the URL the API endpoint?)"
            )
        return Response(status=status, body=data, headers=fields)

    def _translate(self, error: OSError | http.client.HTTPException, reused: bool) -> Exception:
        """The error an attempt's exception becomes: a retryable ``_Failure`` or a final one."""
        where = f"cannot reach {self.url}"
        # Permanent: asking again gives the same answer, so fail at once.
        if isinstance(error, socket.gaierror):
            return TargetError(f"{where}: cannot resolve host {self._host!r} (check the URL)")
        if isinstance(error, _DROPPED):
            return _Failure("the connection was closed before an answer came", dropped=reused)
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
        if isinstance(error, TimeoutError):
            return _Failure(
                f"no answer within {self.timeout:g} s (is the endpoint up and reachable?)"
            )
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
    actions: list[str] = []
    for raw in (request.query, request.body.decode("utf-8", "replace")):
        # Split on ';' as well as '&': some servers still do, and a hidden action=… there must not
        # pass. Our own values never hold a raw ';' (percent-encoding makes it %3B).
        for piece in re.split("[&;]", raw):
            name, _, value = piece.partition("=")
            if unquote_plus(name).strip().lower() == "action":
                actions.append(unquote_plus(value))
    if not actions or any(action != ACTION for action in actions):
        shown = sorted({action[:40] for action in actions})[:5]
        raise UsageError(
            f"refusing to send action {shown}: only {ACTION} is ever sent to a live endpoint"
        )


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
