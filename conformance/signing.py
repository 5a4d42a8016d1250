"""QingCloud signature version 1: sign a request as the SDKs do, and verify one as a server does.

Verification works on decoded pairs, never on raw bytes: a server parses the query or form body and
re-canonicalises (the Python SDK's POST body encodes a space as ``+`` but signs it as ``%20``).

The secret access key travels as a ``Secret``, which cannot print itself; it is unwrapped only where
the HMAC is keyed. So ``pytest -l``, a crash in a user's test or a log line shows ``**********``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, NoReturn

from conformance import wire
from conformance.errors import UsageError
from conformance.redact import RedactedPairs

SIGNATURE_METHODS: tuple[str, ...] = ("HmacSHA256", "HmacSHA1")

_DIGESTS: dict[str, Callable[..., Any]] = {"HmacSHA256": hashlib.sha256, "HmacSHA1": hashlib.sha1}
_DEFAULT_METHOD = "HmacSHA256"  # what a request without signature_method is signed with
_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")


_MASK = "**********"  # the same length whatever the secret, so not even its length shows
# An access key id is not a secret on its own, but with a leaked secret it is the other half of the
# pair, and it names the account: a repr shows only its prefix (QY for every QingCloud key).
_KEY_ID_SHOWN = 4


class Secret:
    """A secret string that cannot print itself: ``repr``, ``str`` and formatting are redacted.

    Modelled on pydantic's ``SecretStr``. ``reveal()`` is the one way to the value, and only the
    HMAC calls it. Two secrets are equal when their values are (compared in constant time), and a
    secret hashes, so ``Credentials`` stays a value. Pickling is refused: a pickle is text on disk.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError(f"a Secret holds a str, not {type(value).__name__}")
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """The secret itself: for keying an HMAC, never for printing."""
        value: str = object.__getattribute__(self, "_value")
        return value

    def __repr__(self) -> str:
        return f"Secret({_MASK!r})"

    def __str__(self) -> str:
        return _MASK

    def __format__(self, spec: str) -> str:
        return format(_MASK, spec)

    def __bool__(self) -> bool:
        return bool(self.reveal())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(
            self.reveal().encode("utf-8", "surrogatepass"),
            other.reveal().encode("utf-8", "surrogatepass"),
        )

    def __hash__(self) -> int:
        return hash((Secret, self.reveal()))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("a Secret cannot be changed")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("a Secret cannot be changed")

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret is not pickled: a pickle would hold it in plain text")

    def __copy__(self) -> Secret:
        return self  # immutable: a copy is the same value

    def __deepcopy__(self, memo: object) -> Secret:
        return self


@dataclass(frozen=True)
class Credentials:
    """An API key pair. The secret is a ``Secret`` (plain text is wrapped), and ``repr`` shows
    neither it nor more of the key id than its first characters, so it never lands in a log."""

    access_key_id: str
    secret_access_key: Secret

    def __init__(self, access_key_id: str, secret_access_key: str | Secret) -> None:
        object.__setattr__(self, "access_key_id", access_key_id)
        object.__setattr__(self, "secret_access_key", Secret(secret_access_key))

    def __repr__(self) -> str:
        return f"Credentials({redact_key_id(self.access_key_id)!r}, {self.secret_access_key!r})"


def redact_key_id(key_id: str) -> str:
    """An access key id as a repr shows it: its first characters and an ellipsis."""
    # ASCII dots: pytest and hypothesis print some reprs through ascii(), which would show \u2026.
    return f"{key_id[:_KEY_ID_SHOWN]}..." if len(key_id) > _KEY_ID_SHOWN else "..."


def reveal(secret: str | Secret) -> str:
    """The text of ``secret``: a ``Secret``'s value, or a plain string as it is."""
    return secret.reveal() if isinstance(secret, Secret) else secret


def format_time(moment: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    # Not strftime: glibc does not zero-pad %Y below year 1000.
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
    )


def parse_time(text: str) -> datetime | None:
    """The inverse of ``format_time``: an aware UTC datetime, or None for malformed text."""
    match = _TIME.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError:  # month 13, February 30, hour 24…
        return None


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Steps 1-4 of the wire sheet: without ``signature``, sorted by raw name, percent-encoded."""
    # Sorting str by code point is the same order as sorting their UTF-8 bytes; the sort is stable,
    # so repeated names keep the order they came in.
    kept = sorted((pair for pair in pairs if pair[0] != "signature"), key=lambda pair: pair[0])
    return "&".join(
        f"{wire.percent_encode(name)}={wire.percent_encode(value)}" for name, value in kept
    )


def string_to_sign(verb: str, path: str, pairs: Iterable[tuple[str, str]]) -> str:
    """``VERB\\nPATH\\ncanonical``, the path as requested (``/iaas/`` is not ``/iaas``)."""
    return f"{verb}\n{path}\n{canonical_query(pairs)}"


def signature(
    pairs: Iterable[tuple[str, str]],
    secret_access_key: str | Secret,
    *,
    verb: str = "GET",
    path: str = "/iaas/",
) -> str:
    """The base64 HMAC of the string to sign, with the pairs' ``signature_method`` (HmacSHA256).

    ``secret_access_key`` is a ``Secret`` (or plain text, for a caller that has it so).
    """
    pairs = RedactedPairs(pairs)
    method = _method_of(pairs)
    if method not in _DIGESTS:
        raise UsageError(
            f"unknown signature_method {method!r}; use one of: {', '.join(SIGNATURE_METHODS)}"
        )
    message = string_to_sign(verb, path, pairs).encode("utf-8")
    # The one place the secret is unwrapped, and never bound to a name: a traceback printed with
    # its locals (pytest -l) shows no frame that holds it.
    digest = hmac.new(reveal(secret_access_key).encode("utf-8"), message, _DIGESTS[method]).digest()
    return base64.b64encode(digest).decode("ascii")


def sign(
    params: Mapping[str, Any] | Iterable[tuple[str, str]],
    credentials: Credentials,
    *,
    verb: str = "GET",
    path: str = "/iaas/",
    now: datetime | None = None,
    method: str = "HmacSHA256",
) -> list[tuple[str, str]]:
    """The request's pairs with the common auth parameters added and ``signature`` last.

    ``params`` is a parameter dict (flattened with ``wire.encode``) or pairs. ``access_key_id``,
    ``signature_method``, ``signature_version`` and ``time_stamp`` are added only when missing, so a
    test can sign a request with a stale time stamp or another key id on purpose. Any signature
    already there is dropped.
    """
    if method not in _DIGESTS:
        raise UsageError(f"unknown method {method!r}; use one of: {', '.join(SIGNATURE_METHODS)}")
    # Every local that holds the key id is RedactedPairs, so a traceback's locals never show it
    # (pytest -l, in this frame, the client's or a user's test).
    pairs = RedactedPairs(
        pair
        for pair in (wire.encode(params) if isinstance(params, Mapping) else params)
        if pair[0] != "signature"
    )
    present = {name for name, _ in pairs}
    pairs.extend(
        pair
        for pair in (
            ("access_key_id", credentials.access_key_id),
            ("signature_method", method),
            ("signature_version", "1"),
            ("time_stamp", format_time(now or datetime.now(timezone.utc))),
        )
        if pair[0] not in present
    )
    pairs.append(
        ("signature", signature(pairs, credentials.secret_access_key, verb=verb, path=path))
    )
    return pairs


def verify(
    pairs: Iterable[tuple[str, str]], secret_access_key: str | Secret, *, verb: str, path: str
) -> bool:
    """Whether decoded pairs carry exactly one signature, and it is right; never raises."""
    pairs = RedactedPairs(pairs)
    given = [value for name, value in pairs if name == "signature"]
    if len(given) != 1 or _method_of(pairs) not in _DIGESTS:
        return False
    try:
        expected = signature(pairs, secret_access_key, verb=verb, path=path)
    except UnicodeEncodeError:  # a lone surrogate in a pair cannot be percent-encoded
        return False
    # Bytes, because compare_digest refuses str holding anything but ASCII.
    return hmac.compare_digest(expected.encode("ascii"), given[0].encode("utf-8", "surrogatepass"))


def _method_of(pairs: list[tuple[str, str]]) -> str:
    # The first one, as wire.decode keeps the first of a duplicate.
    return next((value for name, value in pairs if name == "signature_method"), _DEFAULT_METHOD)
