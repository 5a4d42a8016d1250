"""Response documents: parsed once per body, shared between equal bodies, bounded."""

from __future__ import annotations

import json

from conformance import exchange
from conformance.exchange import NOT_JSON, Exchange, Request, Response


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


# --- reprs: what pytest -l and hypothesis print -------------------------------------------------

KEY_ID = "QYACCESSKEYIDEXAMPLE"
SIGNATURE = "32bseYy39DOlatuewpeuW5vpmW51sD1A/JdGynqSpP8="
ENCODED = "32bseYy39DOlatuewpeuW5vpmW51sD1A%2FJdGynqSpP8%3D"
QUERY = (
    f"action=DescribeClusterJobs&access_key_id={KEY_ID}&signature_method=HmacSHA256"
    f"&signature_version=1&time_stamp=2013-08-27T14%3A30%3A10Z&signature={ENCODED}"
)


def _no_credential_in(text: str) -> None:
    for secret in (KEY_ID, SIGNATURE, ENCODED, "t0k3n-value"):
        assert secret not in text, text


def test_a_requests_repr_shows_no_key_id_or_signature_but_everything_else() -> None:
    request = Request(
        "GET",
        query=QUERY,
        headers={"X-Auth-Token": "t0k3n-value", "Content-Type": "text/plain", "Keep-Alive": "5"},
    )

    shown = repr(request)

    _no_credential_in(shown)
    assert "access_key_id=REDACTED" in shown
    assert "signature=REDACTED" in shown
    assert "signature_method=HmacSHA256&signature_version=1" in shown
    assert "time_stamp=2013-08-27T14%3A30%3A10Z" in shown
    assert "'X-Auth-Token': 'REDACTED'" in shown
    assert "'Content-Type': 'text/plain', 'Keep-Alive': '5'" in shown


def test_a_form_body_a_json_body_and_odd_cases_are_redacted_too() -> None:
    form = Request("POST", body=QUERY.replace("access_key_id", "Access_Key_ID").encode())
    json_body = Request(
        "POST", body=b'{"app":"a","token":"t0k3n-value","signature":"' + SIGNATURE.encode() + b'"}'
    )
    hidden = Request("GET", query=f"app=a;SIGNATURE={ENCODED}")

    for request in (form, json_body, hidden):
        _no_credential_in(repr(request))
    assert "Access_Key_ID=REDACTED" in repr(form)
    assert '"app":"a","token":"REDACTED"' in repr(json_body)
    assert "app=a;SIGNATURE=REDACTED" in repr(hidden)


def test_equality_still_compares_the_real_values() -> None:
    one, other = Request(query=QUERY), Request(query=QUERY.replace(ENCODED, "other"))

    assert one == Request(query=QUERY)
    assert one != other
    assert repr(one) == repr(other)  # the difference is only in what is never shown
    assert hash(Response(200, b"{}")) == hash(Response(200, b"{}"))


def test_an_exchanges_repr_hides_echoes_in_the_response_and_secrets_in_params() -> None:
    response = Response(
        401,
        f'{{"ret_code":1200,"message":"access key {KEY_ID} unknown","signature":"{SIGNATURE}"}}'.encode(),
        (
            ("Content-Type", "application/json"),
            ("Location", f"https://elsewhere.example/iaas/?{QUERY}"),
            ("Set-Cookie", "session=t0k3n-value"),
        ),
    )
    exchange = Exchange(Request(query=QUERY), response, {"app": "a", "signature": SIGNATURE})

    shown = repr(exchange)

    _no_credential_in(shown)
    assert "'Content-Type', 'application/json'" in shown
    assert "'Set-Cookie', 'REDACTED'" in shown
    assert "'app': 'a'" in shown


def test_a_requests_pairs_are_a_list_whose_repr_hides_the_credentials() -> None:
    pairs = Request(query=QUERY).pairs()

    assert pairs == [
        ("action", "DescribeClusterJobs"),
        ("access_key_id", KEY_ID),
        ("signature_method", "HmacSHA256"),
        ("signature_version", "1"),
        ("time_stamp", "2013-08-27T14:30:10Z"),
        ("signature", SIGNATURE),
    ]
    _no_credential_in(repr(pairs))
    assert "('signature_method', 'HmacSHA256')" in repr(pairs)
