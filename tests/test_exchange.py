"""Response documents: parsed once per body, shared between equal bodies, bounded."""

from __future__ import annotations

import json

from conformance import exchange
from conformance.exchange import NOT_JSON, Response


def _page(marker: int) -> bytes:
    jobs = [{"job_id": f"j-{marker:08d}", "note": "x" * 40} for _ in range(40)]
    return json.dumps({"ret_code": 0, "total_count": marker, "job_set": jobs}).encode()


def test_responses_with_the_same_large_body_share_one_parsed_document() -> None:
    body = _page(1)
    first, second = Response(200, body), Response(200, bytes(bytearray(body)))
    assert first.document == json.loads(body)
    assert second.document is first.document


def test_a_large_body_that_is_not_json_is_not_json() -> None:
    assert Response(200, b"<html>" + b"x" * 5000).document is NOT_JSON


def test_small_bodies_are_parsed_each_time() -> None:
    body = b'{"ret_code":0}'
    assert Response(200, body).document == {"ret_code": 0}
    assert Response(200, body).document is not Response(200, body).document


def test_the_memo_of_parsed_bodies_stays_bounded() -> None:
    for marker in range(3 * exchange._MAX_PARSED):
        assert Response(200, _page(marker)).document["total_count"] == marker
    assert len(exchange._PARSED) <= exchange._MAX_PARSED
