"""Transport-neutral request and response values.

The emulator handles them in-process, the HTTP server and the live target translate them to and from
sockets, and cassettes store them: one shape for every target.

Their reprs are what ``pytest -l`` and hypothesis print, so they never show a credential: the values
of ``access_key_id``, ``signature`` and any other secret-named parameter, header or JSON field, and
any access key id, read ``REDACTED`` (``conformance.redact``). Equality still compares the real bytes.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from conformance.jsontext import MAX_DEPTH, loads, nested_deeper
from conformance.redact import (
    REDACTED,
    RedactedBytes,
    RedactedPairs,
    RedactedText,
    redact_body,
    redact_headers,
    redact_query,
    redact_text,
    secret_name,
)

#: What ``Response.document`` is when the body is not JSON (or nests deeper than ``MAX_DEPTH``).
NOT_JSON: Any = type("NotJson", (), {"__repr__": lambda self: "NOT_JSON"})()

# Parsed bodies by their bytes. A suite reads the same listing again and again (every cross-call
# check brackets itself with two), and parsing a 100-job page costs about 100 µs where hashing it
# costs 20 (nothing for the same bytes object, whose hash is cached). Small bodies parse faster than
# they are worth keeping, and big ones (a server that ignores the cap of 100) are not kept. Bounded
# by the bodies' total size (their documents take a few times more); the documents are shared, so
# nothing may change them.
_PARSED: dict[bytes, Any] = {}
_PARSED_BUDGET = 8 * 1024 * 1024  # bytes of body
_MIN_KEPT, _MAX_KEPT = 2048, 512 * 1024
_parsed_size = 0
_UNSEEN: Any = object()


@dataclass(frozen=True)
class Request:
    """An HTTP request as a server sees it: ``query`` is the raw query string, without ``?``."""

    method: str = "GET"
    path: str = "/iaas/"
    query: str = ""
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The query and the body hold the key id and the signature. Held as str and bytes whose
        # repr is redacted, they stay so wherever they go: an assertion in a user's own test
        # (``assert "limit=2" in exchange.request.query``), a local under ``pytest -l``.
        if self.query and type(self.query) is str:
            object.__setattr__(self, "query", RedactedText(self.query))
        if self.body and type(self.body) is bytes:
            object.__setattr__(self, "body", RedactedBytes(self.body))

    def pairs(self) -> list[tuple[str, str]]:
        """The decoded parameters: the query string for GET, the form body for POST, in order.

        A list whose repr hides the credentials (``RedactedPairs``), as the request's own does.
        """
        raw = self.body.decode("utf-8", "replace") if self.method == "POST" else self.query
        return RedactedPairs(parse_qsl(raw, keep_blank_values=True))

    def __repr__(self) -> str:
        query = redact_text(redact_query(self.query)[0])[0]
        headers = dict(redact_headers(self.headers.items()))
        return (
            f"Request(method={self.method!r}, path={self.path!r}, query={query!r}, "
            f"body={redact_body(self.body)!r}, headers={headers!r})"
        )


@dataclass(frozen=True)
class Response:
    """An HTTP response: status, headers in order, the body as bytes."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)

    def __repr__(self) -> str:
        # A server may echo the query (a signature, the key id) in a header or the body.
        headers = tuple(redact_headers(self.headers))
        return (
            f"Response(status={self.status!r}, body={redact_body(self.body)!r}, "
            f"headers={headers!r})"
        )

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (case-insensitive), or None."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    def json(self) -> Any:
        """The body parsed as JSON (raises ``ValueError`` when it is not JSON)."""
        return loads(self.body)

    @functools.cached_property
    def document(self) -> Any:
        """The body parsed as JSON once, or ``NOT_JSON``: every check of an exchange shares it.

        Read-only: responses with the same body share one document.
        """
        global _parsed_size
        body = self.body
        if not _MIN_KEPT <= len(body) <= _MAX_KEPT:
            return _parsed(body)
        document = _PARSED.get(body, _UNSEEN)
        if document is _UNSEEN:
            if _parsed_size + len(body) > _PARSED_BUDGET:
                _PARSED.clear()
                _parsed_size = 0
            document = _PARSED[body] = _parsed(body)
            _parsed_size += len(body)  # two threads may both count one body: a bound only
        return document


def _parsed(body: bytes) -> Any:
    try:
        document = loads(body)
    except ValueError:
        return NOT_JSON
    # orjson reads 1024 levels, more than Python's own recursion (json.dumps, repr, ==) survives in
    # whoever reads the document next: deeper is no document to hand on. A level takes two bytes.
    if len(body) > 2 * MAX_DEPTH and nested_deeper(document):
        return NOT_JSON
    return document


def json_response(document: Any, status: int = 200) -> Response:
    """A JSON response, encoded compactly as QingCloud does."""
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status=status, body=body)


@dataclass(frozen=True)
class Exchange:
    """One request and the response it got; ``params`` are the decoded parameters that were meant.

    ``params`` is None when the request was deliberately malformed (an invalid encoding, an
    authentication mutation): then only the raw request says what was sent.
    """

    request: Request
    response: Response
    params: Mapping[str, Any] | None = None

    def __repr__(self) -> str:
        params = (
            {
                key: REDACTED if secret_name(str(key)) else value
                for key, value in self.params.items()
            }
            if self.params is not None
            else None
        )
        return f"Exchange(request={self.request!r}, response={self.response!r}, params={params!r})"
