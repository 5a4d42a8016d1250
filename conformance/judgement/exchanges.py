"""What one exchange shows: transport and robustness first, then the response rules."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from conformance import codes
from conformance.deviation import Deviation, Profile
from conformance.exchange import NOT_JSON, Exchange, Response
from conformance.judgement.findings import Finding, findings
from conformance.registry import emits
from conformance.rules import rule
from conformance.validate import validate_response


def check_exchange(
    exchange: Exchange, profile: Profile, *, params: Mapping[str, Any] | None = None
) -> list[Finding]:
    """Every finding in one exchange. ``params`` (the decoded request) enables the request-aware
    rules; without it only what the response shows by itself is judged."""
    response = exchange.response
    transport = transport_deviations(response, profile)
    if response.document is NOT_JSON:
        return findings(transport, exchange)
    deviations = _judged(response.body, _request_key(params), profile)
    return findings([*transport, *deviations], exchange)


@emits("DCJ-ROBUST-001", "DCJ-RESP-002")
def transport_deviations(response: Response, profile: Profile) -> list[Deviation]:
    """What an answer shows before its body is read: HTTP 200, declared as JSON, a JSON body, and no
    InternalError."""
    transport: list[Deviation] = []
    if response.status >= 500:
        transport.append(
            deviation(
                "DCJ-ROBUST-001",
                profile,
                f"HTTP {response.status}",
                expected="HTTP 200",
                actual=response.status,
            )
        )
    elif response.status != 200:
        transport.append(
            deviation(
                "DCJ-RESP-002",
                profile,
                f"HTTP {response.status}",
                expected="HTTP 200",
                actual=response.status,
            )
        )
    content_type = (response.header("Content-Type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        transport.append(
            deviation(
                "DCJ-RESP-002",
                profile,
                "the response is not declared as JSON",
                expected="Content-Type: application/json",
                actual=content_type or "(none)",
            )
        )
    document = response.document
    if document is NOT_JSON:
        transport.append(
            deviation(
                "DCJ-ROBUST-001",
                profile,
                "the body is not JSON",
                expected="a JSON body",
                actual=response.body[:120].decode("utf-8", "replace"),
            )
        )
        return transport
    if isinstance(document, dict) and document.get("ret_code") == codes.INTERNAL_ERROR:
        transport.append(
            deviation(
                "DCJ-ROBUST-001",
                profile,
                "the server answered InternalError (ret_code 5000)",
                expected="no server fault for any input",
                actual=document.get("message"),
            )
        )
    return transport


def _request_key(params: Mapping[str, Any] | None) -> str | None:
    return None if params is None else json.dumps(params, sort_keys=True, default=str)


# Judging a body is a pure function of the body, the request and the profile, and a suite sends the
# same request many times (each rule replays its probe's seeded cases), so the verdicts are kept.
# Bounded: a changing live system only misses.
@functools.lru_cache(maxsize=1024)
def _judged(body: bytes, request_key: str | None, profile: Profile) -> tuple[Deviation, ...]:
    params = None if request_key is None else json.loads(request_key)
    return tuple(validate_response(body, params, profile=profile))


def ret_code(exchange: Exchange) -> int | None:
    """The response's ret_code, or None when the body is not a JSON object with an integer one."""
    document = exchange.response.document
    value = document.get("ret_code") if isinstance(document, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def body(exchange: Exchange) -> Any:
    """The response body as JSON, or None when it is not JSON."""
    document = exchange.response.document
    return None if document is NOT_JSON else document


def deviation(
    rule_id: str,
    profile: Profile,
    message: str,
    *,
    expected: object = None,
    actual: object = None,
    pointer: str = "",
) -> Deviation:
    """A deviation of ``rule_id`` with the rule's citation and its severity under ``profile``."""
    return rule(rule_id).deviation(
        profile, message, pointer=pointer, expected=expected, actual=actual
    )


__all__ = ["Finding", "body", "check_exchange", "deviation", "ret_code", "transport_deviations"]
