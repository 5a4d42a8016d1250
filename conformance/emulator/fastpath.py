"""The emulator's hot path: reading, decoding and verifying a plain request in a few microseconds.

Why this exists beside ``wire`` and ``signing``: those are the reference codec and verifier, written
for every input and for explaining problems. Per request they cost about 35 µs (``parse_qsl`` 11 µs,
``wire.decode`` 7 µs, ``signing.verify`` 17 µs, most of it ``urllib.parse`` quoting strings that need
none), three times what a whole ``handle`` call costs with this module (about 12 µs; about 7 µs for
a query that repeats, read through ``frames``; benchmarks/bench_emulator.py has the figures and the
target). This module does the same for plain input and hands everything else to the reference;
tests/emulator/test_fastpath.py holds it equal to the reference on generated input.

The unit of work is the raw ``name=value`` piece of a query. Pieces repeat from request to request
(``app=…``, ``zone=…``, the key id, a time stamp within its second), so each is read once into a
``Piece``: decoded name and value, its canonical form for signing, and how it decodes. Pieces that
never repeat are simply read each time: ``req_id`` passes through the memo, which is emptied when
full so that such pieces cannot grow it; the signature, last in every SDK request, bypasses it.
``frames`` goes one step further for a query that repeats: it keeps the whole query, read.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import re
from collections.abc import Callable
from operator import itemgetter
from typing import Any, NamedTuple
from urllib.parse import quote, unquote

from conformance import signing, wire

_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")
# A piece already in canonical form, with nothing to decode.
_PLAIN_PIECE = re.compile(r"[A-Za-z0-9_.~-]+=[A-Za-z0-9_.~-]*")
_DIGITS = re.compile(r"-?[0-9]+")  # ASCII digits only, as wire's: int() also reads "١"
_MAX_DIGITS = 4000  # int() refuses more than 4300; longer ones are left to wire.decode
_INDEX = re.compile(r"[1-9][0-9]{0,5}")  # a plain array index; bigger ones go to wire.decode
_DIGESTS: dict[str, Callable[..., Any]] = {"HmacSHA256": hashlib.sha256, "HmacSHA1": hashlib.sha1}
_DEFAULT_METHOD = "HmacSHA256"
_MEMO_SIZE = 4096
_SCALAR, _IRREGULAR = 0, -1


class Piece(NamedTuple):
    """One ``name=value`` of a query, read."""

    name: str  # decoded, as parse_qsl gives it
    value: str
    canonical: str  # "name=value" percent-encoded as the signature's canonical query wants it
    base: str  # the name, or the array's name for "base.N"
    slot: int  # 0 for a scalar, N for "base.N", -1 for a name wire.decode must judge
    typed: Any  # the value as wire.decode gives it (int for the integer parameters)


_ASCII_ESCAPES = {f"{code:02X}": chr(code) for code in range(128)} | {
    f"{code:02x}": chr(code) for code in range(128)
}


def _unquote_strict(text: str) -> str:
    """``unquote(text.replace("+", " "), errors="strict")``, quicker for ASCII escapes."""
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    head, *escaped = text.split("%")
    decoded = [head]
    for part in escaped:
        character = _ASCII_ESCAPES.get(part[:2])
        if character is None:  # a UTF-8 sequence or a stray "%": urllib knows every case
            return unquote(text, errors="strict")
        decoded += (character, part[2:])
    return "".join(decoded)


def unquote_signature(text: str) -> str:
    """``_unquote_strict`` for a base64 signature, whose only escapes are ``%2B %2F %3D``."""
    if "+" not in text:
        # Replacing can make no new escape: what is left with a "%" needs the general reading.
        plain = text.replace("%2F", "/").replace("%2B", "+").replace("%3D", "=")
        if "%" not in plain:
            return plain
    return _unquote_strict(text)


def _canonical(text: str) -> str:
    try:
        return text if _UNRESERVED.fullmatch(text) else quote(text, safe="")
    except UnicodeEncodeError:
        # A lone surrogate (only an in-process caller can pass one): left as it is, it fails to
        # encode in Verifier.verify, which then refuses, as signing.verify does.
        return text


def read_piece(piece: str) -> Piece:
    """One raw piece, read; raises ``UnicodeDecodeError`` where ``parse_qsl`` would."""
    if _PLAIN_PIECE.fullmatch(piece):
        name, _, value = piece.partition("=")
        # The signature is never part of what is signed; "" marks it for Verifier.verify.
        canonical = "" if name == "signature" else piece
        if "." not in name and name not in wire.INTEGER_PARAMS:  # the common case, made short
            return Piece(name, value, canonical, name, _SCALAR, value)
    else:
        raw_name, _, raw_value = piece.partition("=")
        name, value = _unquote_strict(raw_name), _unquote_strict(raw_value)
        # (Quoting a signature would cost ~4 µs for nothing.)
        canonical = "" if name == "signature" else f"{_canonical(name)}={_canonical(value)}"
    base, dot, index_text = name.partition(".")
    if not (dot and base):
        slot, base = _SCALAR, name
    elif _INDEX.fullmatch(index_text):
        slot = int(index_text)
    else:
        slot = _IRREGULAR
    typed: Any = value
    if slot == _SCALAR and name in wire.INTEGER_PARAMS and _DIGITS.fullmatch(value):
        if len(value) > _MAX_DIGITS:
            slot = _IRREGULAR
        else:
            typed = int(value)
    return Piece(name, value, canonical, base, slot, typed)


class _Pieces(dict[str, Piece]):
    def __missing__(self, piece: str) -> Piece:
        if len(self) >= _MEMO_SIZE:
            self.clear()
        read = self[piece] = read_piece(piece)
        return read


_pieces = _Pieces()
# One piece read through the memo: for pieces that repeat (a time stamp within its second).
read_memoised: Callable[[str], Piece] = _pieces.__getitem__


def read(raw: str) -> list[Piece] | None:
    """The pieces of a query or form body; None where ``parse_qsl(..., errors="strict")`` raises.

    ``[(p.name, p.value) for p in read(raw)]`` is ``parse_qsl(raw, keep_blank_values=True)``.
    """
    # Every SDK sends the signature last. It never repeats, so it is read outside the memo
    # (where it would only push out pieces that do repeat).
    head, last, signature = raw.rpartition("&signature=")
    try:
        if last and "&" not in signature:
            pieces = [_pieces[piece] for piece in head.split("&") if piece]
            value = unquote_signature(signature)
            pieces.append(Piece("signature", value, "", "signature", _SCALAR, value))
            return pieces
        return [_pieces[piece] for piece in raw.split("&") if piece]
    except UnicodeDecodeError:
        return None


def pairs_of(pieces: list[Piece]) -> list[tuple[str, str]]:
    """The decoded pairs, for the reference functions."""
    return [(piece.name, piece.value) for piece in pieces]


def params_of(pieces: list[Piece]) -> dict[str, Any] | None:
    """``wire.decode(pairs).params`` when the encoding is plain, else None (``wire.decode`` then
    explains). Plain: each scalar once, arrays ``base.1``, ``base.2``… in order, no scalar of the
    same name as an array."""
    params = {piece.name: piece.typed for piece in pieces if not piece.slot}
    if len(params) == len(pieces):
        return params
    others = [piece for piece in pieces if piece.slot]
    if len(params) + len(others) != len(pieces):  # a scalar came twice
        return None
    for piece in others:
        slot, current = piece.slot, params.get(piece.base)
        if current is None and slot == 1:
            params[piece.base] = [piece.value]
        elif type(current) is list and slot == len(current) + 1:
            current.append(piece.value)
        else:  # a gap, a repeat, an odd index, or a scalar of the same name
            return None
    return params


_NAME = itemgetter(0)


class KeyedHmac:
    """HMAC (RFC 2104) with the key's inner and outer states hashed once, not per message:
    ``hmac.digest`` re-derives them on every call, a third of the cost of signing a query."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes, digest: Callable[..., Any]) -> None:
        inner, outer = digest(), digest()
        if len(key) > inner.block_size:
            key = digest(key).digest()
        key = key.ljust(inner.block_size, b"\0")
        inner.update(bytes(byte ^ 0x36 for byte in key))
        outer.update(bytes(byte ^ 0x5C for byte in key))
        self._inner, self._outer = inner, outer

    def digest(self, message: bytes) -> bytes:
        inner, outer = self._inner.copy(), self._outer.copy()
        inner.update(message)
        outer.update(inner.digest())
        return outer.digest()


class Verifier:
    """``signing.verify`` for one secret: plain requests here, anything else by ``signing``."""

    def __init__(self, secret_access_key: signing.Secret | str) -> None:
        self._secret = signing.Secret(secret_access_key)
        # Unwrapped only to key the HMACs, as signing.signature does.
        self._hmacs = {
            method: KeyedHmac(self._secret.reveal().encode("utf-8"), digest)
            for method, digest in _DIGESTS.items()
        }

    def keyed(self, params: dict[str, Any]) -> KeyedHmac | None:
        """The HMAC that plain ``params`` ask for with ``signature_method``; None for an unknown
        one (an array of them is read as absent, as ``signing`` reads the first scalar)."""
        method = params.get("signature_method", _DEFAULT_METHOD)
        return self._hmacs.get(method) if type(method) is str else self._hmacs[_DEFAULT_METHOD]

    def verify(
        self, pieces: list[Piece], params: dict[str, Any] | None, *, verb: str, path: str
    ) -> bool:
        """Whether the pieces carry exactly one signature, and it is right; never raises.

        ``params`` is ``params_of(pieces)``: when it is there the pieces are plain (no name twice),
        so one scalar ``signature`` in it is the one signature.
        """
        if params is None:
            return signing.verify(pairs_of(pieces), self._secret, verb=verb, path=path)
        keyed = self.keyed(params)
        if keyed is None:
            return False
        # The signature's own canonical form is "", so the filter drops exactly it.
        ordered = sorted(pieces, key=_NAME)  # stable, as signing's
        canonical = "&".join([piece.canonical for piece in ordered if piece.canonical])
        return signs(keyed, f"{verb}\n{path}\n{canonical}", params.get("signature"))


def signs(keyed: KeyedHmac, message: str, given: object) -> bool:
    """Whether ``given`` is the base64 HMAC of the string to sign; never raises."""
    if type(given) is not str:
        return False
    try:
        encoded = message.encode()
        presented = given.encode("utf-8", "surrogatepass")
    except UnicodeEncodeError:  # a lone surrogate cannot be percent-encoded
        return False
    expected = binascii.b2a_base64(keyed.digest(encoded), newline=False)
    return hmac.compare_digest(expected, presented)
