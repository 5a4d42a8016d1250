"""One recorded interaction: vcrpy's dict shape, to and from the toolkit's ``Request``/``Response``.

vcrpy stores a request as ``{method, uri, body, headers: {name: [value]}}`` and a response as
``{status: {code, message}, headers: {name: [value, …]}, body: {string}}``; the body is text when it
is UTF-8 and bytes (YAML ``!!binary``) otherwise. A body that is not UTF-8 goes into a JSON cassette
as surrogate escapes, which turn back into the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from conformance.exchange import Exchange, Request, Response

#: The origin written for the in-process emulator, which has no address (``.invalid`` never resolves).
IN_PROCESS_ORIGIN = "http://emulator.invalid"


def to_interaction(exchange: Exchange, *, origin: str) -> dict[str, Any]:
    """``exchange`` as a vcrpy interaction sent to ``origin`` (``scheme://host[:port]``), unscrubbed."""
    request, response = exchange.request, exchange.response
    uri = f"{origin}{request.path}" + (f"?{request.query}" if request.query else "")
    headers: dict[str, list[str]] = {}
    for name, value in response.headers:
        headers.setdefault(name, []).append(value)
    try:
        message = HTTPStatus(response.status).phrase
    except ValueError:
        message = ""
    return {
        "request": {
            "method": request.method,
            "uri": uri,
            "body": _text(request.body) if request.body else None,
            "headers": {name: [value] for name, value in request.headers.items()},
        },
        "response": {
            "status": {"code": response.status, "message": message},
            "headers": headers,
            "body": {"string": _text(response.body)},
        },
    }


def to_request(raw: Mapping[str, Any]) -> Request:
    """The ``Request`` a vcrpy request dict describes (the path and query of its uri)."""
    path, query = split_uri(raw["uri"])
    headers = {name: _first(value) for name, value in (raw.get("headers") or {}).items()}
    return Request(raw["method"].upper(), path or "/", query, body_bytes(raw.get("body")), headers)


def to_response(raw: Mapping[str, Any]) -> Response:
    """The ``Response`` a vcrpy response dict describes."""
    pairs: list[tuple[str, str]] = []
    for name, values in (raw.get("headers") or {}).items():
        for value in values if isinstance(values, list) else [values]:
            pairs.append((str(name), str(value)))
    return Response(raw["status"]["code"], body_bytes(raw["body"]["string"]), tuple(pairs))


def split_uri(uri: str) -> tuple[str, str]:
    """The path and the query string of ``uri`` (no fragment), without parsing the rest."""
    uri = uri.partition("#")[0]
    rest, _, query = uri.partition("?")
    scheme_end = rest.find("//")
    path_start = rest.find("/", scheme_end + 2) if scheme_end >= 0 else 0
    return (rest[path_start:] if path_start >= 0 else "/"), query


def origin_of(uri: str) -> str:
    """``scheme://host[:port]`` of ``uri``, lower-cased."""
    scheme_end = uri.find("//")
    if scheme_end < 0:
        return ""
    end = len(uri)
    for mark in "/?#":
        found = uri.find(mark, scheme_end + 2)
        if found >= 0:
            end = min(end, found)
    return uri[:end].lower()


def host_of(uri: str) -> str:
    """``host[:port]`` of ``uri``, lower-cased (empty when it has none)."""
    parts = uri.split("/", 3)
    if len(parts) < 3 or not parts[0].endswith(":") or parts[1]:
        return ""
    return parts[2].partition("?")[0].partition("#")[0].lower()


def request_pairs(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The parameters a server reads: the query string for GET, the form body for POST."""
    if str(raw["method"]).upper() == "POST":
        body = raw.get("body")
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
        return parse_qsl(text, keep_blank_values=True)
    return parse_qsl(split_uri(raw["uri"])[1], keep_blank_values=True)


def body_bytes(body: object) -> bytes:
    """A stored body as bytes (None and anything unexpected as empty)."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8", "surrogateescape")
    return b""


def _text(body: bytes) -> str | bytes:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body  # YAML writes it as !!binary; JSON as surrogate escapes (see format.dumps)


def _first(value: object) -> str:
    return str(value[0]) if isinstance(value, list) and value else str(value)
