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


def test_the_memo_of_parsed_bodies_stays_within_its_budget() -> None:
    kept = 0
    for marker in range(3 * exchange._PARSED_BUDGET // len(_page(0))):
        assert Response(200, _page(marker)).document["total_count"] == marker
        kept = max(kept, len(exchange._PARSED))
        assert sum(map(len, exchange._PARSED)) <= exchange._PARSED_BUDGET
    assert kept > 1


def test_a_body_too_big_to_keep_is_parsed_and_not_kept() -> None:
    body = json.dumps({"ret_code": 0, "job_set": ["x" * 100] * 6000}).encode()
    assert len(body) > exchange._MAX_KEPT
    assert Response(200, body).document["ret_code"] == 0
    assert body not in exchange._PARSED


def test_a_large_json_null_is_kept_like_any_document() -> None:
    body = b"null" + b" " * 4000
    assert Response(200, body).document is None
    assert body in exchange._PARSED
