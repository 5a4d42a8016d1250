"""The hot path agrees with the reference codec and verifier on everything generated here."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote, quote_plus, urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conformance import signing, wire
from conformance.emulator.fastpath import (
    KeyedHmac,
    Verifier,
    _unquote_strict,
    pairs_of,
    params_of,
    read,
    unquote_signature,
)

SECRET = "SECRETACCESSKEY"
CREDENTIALS = signing.Credentials("QYACCESSKEYIDEXAMPLE", SECRET)
MOMENT = datetime(2026, 1, 1, tzinfo=timezone.utc)

_NAMES = st.sampled_from(
    [
        "app", "zone", "limit", "offset", "verbose", "status", "status.1", "status.2", "status.3",
        "jobs.1", "jobs.2", "jobs.10", "jobs.0", "jobs.01", "jobs.x", "jobs.", ".jobs", "a.b.c",
        "signature", "signature_method", "time_stamp", "req_id", "name with space", "名",
    ]
)  # fmt: skip
_VALUES = st.one_of(
    st.text(alphabet="/:+ ~%&=é", min_size=1, max_size=4),  # what quoting must get right
    st.sampled_from(
        ["", "0", "7", "-3", "007", "1.5", "abc", "a b", "a+b", "%", "=", "&", "100", "a/b~c"]
    ),
    st.just("2026-01-01T00:00:00Z"),
    st.text(max_size=12),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
_ENCODERS: st.SearchStrategy[Callable[[str], str]] = st.sampled_from(
    [
        lambda text: quote(text, safe=""),
        quote_plus,
        lambda text: quote(text, safe="").lower(),  # lower-case escapes, legal and unusual
        lambda text: text.replace("&", "%26"),  # left raw where it can be
    ]
)


@st.composite
def _queries(draw: st.DrawFn) -> str:
    pairs = draw(st.lists(st.tuples(_NAMES, _VALUES), max_size=8))
    encode = draw(_ENCODERS)
    pieces = [f"{encode(name)}={encode(value)}" for name, value in pairs]
    if draw(st.booleans()):
        pieces.insert(draw(st.integers(0, len(pieces))), draw(st.sampled_from(["", "x", "=y"])))
    return "&".join(pieces)


@st.composite
def _plain_pairs(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Pairs the hot path must take itself: each scalar once, arrays numbered 1, 2, 3… in order."""
    scalars = draw(st.lists(st.sampled_from(["app", "zone", "limit", "x y", "名"]), unique=True))
    pairs = [(name, draw(_VALUES)) for name in scalars]
    for base in draw(st.lists(st.sampled_from(["jobs", "status"]), unique=True)):
        values = draw(st.lists(_VALUES, min_size=1, max_size=11))
        pairs += [(f"{base}.{index}", value) for index, value in enumerate(values, start=1)]
    return draw(st.permutations(pairs)) if draw(st.booleans()) else pairs


_RAW = st.text(alphabet="ab=&%+.1-9AFz名", max_size=30)


def _reference_pairs(raw: str) -> list[tuple[str, str]] | None:
    try:
        return parse_qsl(raw, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return None


@given(st.one_of(_queries(), _RAW))
@example("app=%C3%28")
@example("a=1&signature=x%2By&signature=z")
@example("&signature=")
def test_reading_is_parse_qsl(raw: str) -> None:
    pieces = read(raw)
    expected = _reference_pairs(raw)
    assert (None if pieces is None else pairs_of(pieces)) == expected


@given(st.one_of(_queries(), _RAW, _plain_pairs().map(wire.query_string)))
@example("limit=" + "9" * 5000)
@example("jobs.1=a&jobs.3=b")
@example("jobs.2=a")
@example("jobs.1=a&jobs.10=b")
@example("status.1=a&status.1=b")
@example("status=a&status.1=b")
@example("status.1=a&status=b")
@example("jobs.2=a&jobs.1=b")
def test_plain_params_are_what_wire_decode_gives_without_problems(raw: str) -> None:
    pieces = read(raw)
    if pieces is None:
        return
    plain = params_of(pieces)
    decoded = wire.decode(pairs_of(pieces))
    if plain is not None:
        assert not decoded.problems
        assert plain == decoded.params


def test_a_typical_sdk_request_is_plain() -> None:
    params = {"app": "a", "zone": "z", "status": ["failed", "pending"], "jobs": ["j-1"] * 3}
    raw = wire.query_string(signing.sign({**params, "limit": 20, "req_id": "0" * 32}, CREDENTIALS))
    pieces = read(raw)
    assert pieces is not None
    assert params_of(pieces) == wire.decode(raw).params


# Half the requests stay correctly signed: only those tell a wrong canonical form apart.
_MUTATIONS = st.one_of(
    st.just("none"),
    st.sampled_from(["flip", "drop", "twice", "sha1", "md5", "method-array", "extra", "empty"]),
)


@st.composite
def _signed(draw: st.DrawFn) -> tuple[str, str, str]:
    params = draw(st.one_of(_plain_pairs(), st.lists(st.tuples(_NAMES, _VALUES), max_size=6)))
    pairs = [(name, value) for name, value in params if not name.startswith("signature")]
    verb = draw(st.sampled_from(["GET", "POST"]))
    path = draw(st.sampled_from(["/iaas/", "/iaas"]))
    mutation = draw(_MUTATIONS)
    method = "HmacSHA1" if mutation == "sha1" else "HmacSHA256"
    signed = signing.sign(pairs, CREDENTIALS, verb=verb, path=path, now=MOMENT, method=method)
    name, value = signed[-1]
    if mutation == "flip":
        signed[-1] = (name, value[::-1])
    elif mutation == "drop":
        signed.pop()
    elif mutation == "twice":
        signed.append(signed[-1])
    elif mutation == "md5":
        signed.insert(0, ("signature_method", "HmacMD5"))
    elif mutation == "method-array":
        signed.insert(0, ("signature_method.1", "HmacSHA1"))
    elif mutation == "extra":
        signed.append(("late", "added"))
    elif mutation == "empty":
        signed[-1] = (name, "")
    encoders: list[Callable[[list[tuple[str, str]]], str]] = [wire.query_string, urlencode]
    encoded = draw(st.sampled_from(encoders))(signed)
    return encoded, verb, path


@given(_signed())
def test_verifying_is_signing_verify(case: tuple[str, str, str]) -> None:
    raw, verb, path = case
    pieces = read(raw)
    assert pieces is not None
    fast = Verifier(SECRET).verify(pieces, params_of(pieces), verb=verb, path=path)
    assert fast == signing.verify(pairs_of(pieces), SECRET, verb=verb, path=path)


@pytest.mark.parametrize("encode", [wire.query_string, urlencode])
def test_a_correctly_signed_request_verifies(encode: object) -> None:
    pairs = signing.sign({"app": "a b", "zone": "pek3a", "jobs": ["j-1"]}, CREDENTIALS, now=MOMENT)
    raw = encode(pairs)  # type: ignore[operator]
    pieces = read(raw)
    assert pieces is not None
    assert Verifier(SECRET).verify(pieces, params_of(pieces), verb="GET", path="/iaas/")
    assert not Verifier("other").verify(pieces, params_of(pieces), verb="GET", path="/iaas/")


@pytest.mark.parametrize("method", ["sha256", "sha1"])
@given(key=st.binary(max_size=200), message=st.binary(max_size=300))
def test_keyed_hmac_is_hmac_digest(key: bytes, message: bytes, method: str) -> None:
    # Keys longer than the hash's block (64 bytes) are hashed first: both sides of that are drawn.
    digest = getattr(hashlib, method)
    assert KeyedHmac(key, digest).digest(message) == hmac.digest(key, message, digest)


@given(
    st.text(alphabet="AB+/=%2BFD3a1", max_size=30)
    | st.binary(min_size=32, max_size=32).map(
        lambda digest: quote(base64.b64encode(digest).decode(), safe="")
    )
)
@example("%252F")
@example("%2%2F")
@example("%2f")
def test_reading_a_signature_is_unquote_strict(raw: str) -> None:
    try:
        expected: str | type[UnicodeDecodeError] = _unquote_strict(raw)
    except UnicodeDecodeError:
        expected = UnicodeDecodeError  # "%A1": both refuse
    try:
        assert unquote_signature(raw) == expected
    except UnicodeDecodeError:
        assert expected is UnicodeDecodeError
