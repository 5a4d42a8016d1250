"""Which names hold a credential, and text with their values replaced.

One home for the scrubber (what reaches disk, ``cassettes/scrub.py``) and for the reprs of requests
and exchanges (what reaches a terminal: ``pytest -l``, hypothesis's falsifying examples).

A name is split into parts (``X-Api-Signature`` is x, api, signature; ``accessKeyId`` is access,
key, id), and it holds a credential when a part says so: signature, key, secret, token,
authorization, cookie, session, password… Parts, not substrings, so ``Keep-Alive`` and ``monkey``
are not keys. A name that ends in ``method`` or ``version`` says how something was signed, not with
what: ``signature_method`` and ``signature_version`` stay.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple
from urllib.parse import unquote, unquote_plus

REDACTED = "REDACTED"

_SECRET_PARTS = frozenset(
    {
        "signature",
        "key",
        "apikey",
        "accesskey",
        "secret",
        "token",
        "auth",
        "authorization",
        "cookie",
        "session",
        "sessionid",
        "password",
        "passwd",
        "passphrase",
        "credential",
        "credentials",
    }
)
_HOW_PARTS = frozenset({"method", "version"})
# Every secret part holds one of these: text without any (a page of jobs, as a rule) has no
# secret-named field or parameter, and is not searched for one.
_HINTS = ("sig", "key", "secret", "token", "auth", "cookie", "session", "pass", "credential")
# Upper-case runs (ID, X), capitalised or lower-case words, digits: the parts of any naming style.
_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# name=value inside free text (an echoed query in a body, a Location or Referer header), also
# percent-encoded once or twice as a whole (a query inside a redirect's next=…): then "=" is %3D or
# %253D, and a value ends at an encoded "&" or ";".
_NAME_EQUALS = re.compile(
    r"(?:(?<![A-Za-z0-9_.%-])|(?<=%26|%3[BbFf])|(?<=%2526|%253[BbFf]))"
    r"([A-Za-z0-9_.%-]+?)(?:=|%(?:25)*3[Dd])"
)
_VALUE = re.compile(r"(?:[^&;\s\"'#<>\\%]|%(?!(?:25)*(?:26|3[Bb]))(?:25)*[0-9A-Fa-f]{2})*")
# "name": value in JSON text, a string (with its escapes) or a bare scalar.
_JSON_FIELD = re.compile(
    r'"((?:[^"\\]|\\.){1,100})"(\s*:\s*)("(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*|true|false)'
)
#: A QingCloud access key id: QY and 18 upper-case letters or digits.
ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])QY[A-Z0-9]{18}(?![A-Z0-9])")


class Replaced(NamedTuple):
    """One value replaced: the name it was under, the text it replaced, and what replaced it."""

    name: str
    old: str
    new: str

    def __repr__(self) -> str:
        return f"Replaced({self.name!r}, {REDACTED!r}, {self.new!r})"  # never the old value


class RedactedPairs(list[tuple[str, str]]):
    """Name/value pairs of a request: a list whose repr shows ``REDACTED`` for every secret-named
    value. ``signing.sign`` and ``Request.pairs`` return one, so a traceback that prints the locals
    of the frames holding signed pairs (``pytest -l``) shows no key id and no signature."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr([(name, REDACTED if secret_name(name) else value) for name, value in self])


class RedactedText(str):
    """A signed request's wire text (the path and query, a form body) as it travels: a ``str`` to
    every caller, whose repr shows its secret-named values as ``REDACTED``, so the locals of a frame
    that sends it (``pytest -l``) show no signature."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(redact_text(redact_query(str(self))[0])[0])


class RedactedBytes(bytes):
    """The same for a form body in bytes."""

    def __repr__(self) -> str:
        return repr(
            redact_body(
                redact_query(self.decode("utf-8", "surrogateescape"))[0].encode(
                    "utf-8", "surrogateescape"
                )
            )
        )


@functools.lru_cache(maxsize=4096)  # the same few names, again and again
def secret_name(name: str) -> bool:
    """Whether a parameter, header or JSON field called ``name`` holds a credential."""
    parts = [part.lower() for part in _PARTS.findall(name)]
    if not parts or parts[-1] in _HOW_PARTS:
        return False
    return any(part in _SECRET_PARTS or part.startswith("passw") for part in parts)


def redact_query(text: str) -> tuple[str, list[Replaced]]:
    """A query string or form body with every secret value replaced, byte for byte otherwise.

    Split on ``&`` and on ``;`` (some servers still split there, so a value hidden after one is
    read); each replaced item is the whole ``name=value`` segment.
    """
    if not text:
        return text, []
    found: list[Replaced] = []
    pieces = re.split("([&;])", text)
    for position in range(0, len(pieces), 2):
        segment = pieces[position]
        raw_name, equals, raw_value = segment.partition("=")
        if not equals or raw_value == REDACTED or not secret_name(unquote_plus(raw_name)):
            continue
        pieces[position] = f"{raw_name}={REDACTED}"
        found.append(Replaced(unquote_plus(raw_name), segment, pieces[position]))
    return ("".join(pieces), found) if found else (text, [])


def might_name_a_secret(text: str) -> bool:
    """False when ``text`` cannot hold a secret-named field or parameter (no hint of one, even
    percent-decoded); True means: search it."""
    lowered = text.lower()
    if any(hint in lowered for hint in _HINTS):
        return True
    return "%" in text and any(hint in unquote(lowered) for hint in _HINTS)


def redact_assignments(text: str) -> tuple[str, list[Replaced]]:
    """Free text with the value of every ``secret=value`` in it replaced (an echoed query)."""
    if ("=" not in text and "%" not in text) or not might_name_a_secret(text):
        return text, []
    found: list[Replaced] = []
    pieces: list[str] = []
    done = 0
    # Only a secret's value is consumed: another name's value is searched too, since it may hold
    # a whole encoded query (next=%2Fiaas%3Fsignature%3D…).
    for match in _NAME_EQUALS.finditer(text):
        if match.start() < done or not secret_name(unquote_plus(match.group(1))):
            continue
        value = _VALUE.match(text, match.end())
        assert value is not None  # the pattern matches the empty string
        if value.group() in ("", REDACTED):
            continue
        found.append(Replaced(unquote_plus(match.group(1)), value.group(), REDACTED))
        pieces += [text[done : match.end()], REDACTED]
        done = value.end()
    return ("".join([*pieces, text[done:]]), found) if found else (text, [])


def redact_json_fields(text: str) -> tuple[str, list[Replaced]]:
    """JSON text with the value of every field whose name holds a credential replaced."""
    if '"' not in text or not might_name_a_secret(text):
        return text, []
    found: list[Replaced] = []

    def replace(match: re.Match[str]) -> str:
        name, colon, value = match.groups()
        if value == f'"{REDACTED}"' or not secret_name(name):
            return match.group()
        shown = value[1:-1] if value.startswith('"') else value
        found.append(Replaced(name, shown, REDACTED))
        return f'"{name}"{colon}"{REDACTED}"'

    clean = _JSON_FIELD.sub(replace, text)
    return (clean, found) if found else (text, [])


def redact_text(text: str) -> tuple[str, list[Replaced]]:
    """Text from a body or a header with everything credential-like replaced: JSON fields,
    ``name=value`` assignments, and QingCloud access key ids."""
    text, found = redact_json_fields(text)
    text, more = redact_assignments(text)
    found += more
    ids = (
        [
            Replaced("access key id", match.group(), REDACTED)
            for match in ACCESS_KEY_ID.finditer(text)
        ]
        if "QY" in text
        else []
    )
    if ids:
        text = ACCESS_KEY_ID.sub(REDACTED, text)
    return text, found + ids


def redact_body(body: bytes) -> bytes:
    """A request or response body as a repr may show it: JSON fields, form or echoed parameters,
    and access key ids replaced (``redact_text``)."""
    if not body:
        return body
    clean, found = redact_text(body.decode("utf-8", "surrogateescape"))
    return clean.encode("utf-8", "surrogateescape") if found else body


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers as pairs, with a secret-named header's value replaced, and echoes in the others."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [
        (name, REDACTED if secret_name(name) else redact_text(str(value))[0])
        for name, value in pairs
    ]
