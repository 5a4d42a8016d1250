"""Which recorded interaction answers a request: one normalized key, looked up in a dict.

Two requests match when their method, path and parameters agree, ignoring what signing adds
(``signature``, ``time_stamp``, ``expires``, ``access_key_id``, ``signature_method``,
``signature_version``), the Python SDK's ``req_id``, and the order of the parameters (the query string for GET, the form body for POST). vcrpy's own
matcher compares a request with every recorded one in turn (about 27 ms a lookup at 10,000
interactions); ``Index`` hashes the key once and looks it up.

For plain vcrpy and pytest-recording users the same key is a vcrpy matcher (``conformance``), and
``vcr_config()`` adds the scrubbing filters, so what they record is as clean as what we record::

    import vcr
    from conformance.cassettes import match

    my_vcr = match.configure(vcr.VCR(**match.vcr_config()))
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl

from conformance.cassettes.interaction import split_uri
from conformance.cassettes.scrub import scrub_interaction
from conformance.contract import IGNORED_PARAMS, SIGNING_PARAMS
from conformance.exchange import Request

# Everything signing adds (signature, time_stamp, expires, access_key_id, signature_method and
# signature_version: an unsigned replay or another signing method is the same request), and what a
# server ignores (req_id).
IGNORED = SIGNING_PARAMS | IGNORED_PARAMS
MATCHER = "conformance"

Key = tuple[str, str, tuple[tuple[str, str], ...]]
T = TypeVar("T")


def key(method: str, path: str, pairs: Iterable[tuple[str, str]]) -> Key:
    """The normalized key: method, path, and the sorted parameters that are not ``IGNORED``."""
    return (method.upper(), path, tuple(sorted(pair for pair in pairs if pair[0] not in IGNORED)))


def request_key(request: Request) -> Key:
    """The key of a toolkit ``Request``."""
    return key(request.method, request.path, request.pairs())


def interaction_key(raw: dict[str, Any]) -> Key:
    """The key of a vcrpy request dict (as a cassette stores it)."""
    method = str(raw["method"]).upper()
    path, query = split_uri(raw["uri"])
    return key(method, path, _pairs(method, query, raw.get("body")))


def vcr_request_key(request: Any) -> Key:
    """The key of a ``vcr.request.Request``."""
    method = str(request.method).upper()
    path, query = split_uri(request.uri)
    return key(method, path, _pairs(method, query, request.body))


def _pairs(method: str, query: str, body: object) -> list[tuple[str, str]]:
    if method == "POST" and isinstance(body, str | bytes) and body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        return parse_qsl(text, keep_blank_values=True)
    return parse_qsl(query, keep_blank_values=True)


class Index(Generic[T]):
    """Recorded values by key. ``take`` plays them in recorded order, then repeats the last one.

    Repeating the last rather than failing: a suite sends the same request many times (each rule
    replays its probe's cases), and the recording holds as many answers as the recorded run got.
    """

    def __init__(self, entries: Iterable[tuple[Key, T]] = ()) -> None:
        self._entries: dict[Key, list[T]] = {}
        self._played: dict[Key, int] = {}
        for entry_key, value in entries:
            self.add(entry_key, value)

    def add(self, entry_key: Key, value: T) -> None:
        """Record ``value`` under ``entry_key``, after any already there."""
        self._entries.setdefault(entry_key, []).append(value)

    def __len__(self) -> int:
        return sum(len(values) for values in self._entries.values())

    def __contains__(self, entry_key: object) -> bool:
        return entry_key in self._entries

    def take(self, entry_key: Key) -> T | None:
        """The next recorded value for ``entry_key``, or None when nothing was recorded for it."""
        values = self._entries.get(entry_key)
        if not values:
            return None
        played = self._played.get(entry_key, 0)
        self._played[entry_key] = played + 1
        return values[min(played, len(values) - 1)]

    def closest(self, entry_key: Key, count: int = 3) -> list[Key]:
        """The recorded keys most like ``entry_key`` (for the error when nothing matches)."""
        wanted = set(entry_key[2])

        def likeness(candidate: Key) -> tuple[int, int]:
            same_route = candidate[0] == entry_key[0] and candidate[1] == entry_key[1]
            return (
                int(same_route),
                len(wanted & set(candidate[2])) - len(set(candidate[2]) - wanted),
            )

        return sorted(self._entries, key=likeness, reverse=True)[:count]


# --- vcrpy ----------------------------------------------------------------------------------------


def conformance_matcher(r1: Any, r2: Any) -> None:
    """A vcrpy matcher: the two requests have the same key (raises AssertionError when not)."""
    first, second = vcr_request_key(r1), vcr_request_key(r2)
    if first != second:
        only_first = sorted(set(first[2]) - set(second[2]))
        only_second = sorted(set(second[2]) - set(first[2]))
        raise AssertionError(
            f"{first[0]} {first[1]} != {second[0]} {second[1]}"
            if first[:2] != second[:2]
            else f"parameters differ: {only_first} != {only_second}"
        )


def before_record_request(request: Any) -> Any:
    """A vcrpy ``before_record_request`` filter: the request's secrets scrubbed (see scrub.py)."""
    raw = {
        "request": {
            "method": request.method,
            "uri": request.uri,
            "body": request.body,
            "headers": {},
        }
    }
    headers = dict(request.headers)
    raw["request"]["headers"] = headers
    scrub_interaction(raw)
    if raw["request"]["uri"] != request.uri:
        request.uri = raw["request"]["uri"]
    if raw["request"]["body"] is not request.body:
        request.body = raw["request"]["body"]
    request.headers = headers
    return request


def before_record_response(response: dict[str, Any]) -> dict[str, Any]:
    """A vcrpy ``before_record_response`` filter: ``Set-Cookie`` and token-like headers scrubbed."""
    scrub_interaction({"response": response})
    return response


def vcr_config() -> dict[str, Any]:
    """Keyword arguments for ``vcr.VCR`` (or pytest-recording's ``vcr_config`` fixture)."""
    return {
        "match_on": ["method", "scheme", "host", "port", MATCHER],
        "before_record_request": before_record_request,
        "before_record_response": before_record_response,
        "record_mode": "none",
    }


def configure(vcr: Any) -> Any:
    """Register the ``conformance`` matcher on a ``vcr.VCR``; returns it."""
    vcr.register_matcher(MATCHER, conformance_matcher)
    return vcr
