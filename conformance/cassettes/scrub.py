"""Secrets never reach disk: what is scrubbed from an interaction before it is written.

Scrubbed, by replacing the value with ``REDACTED`` (the name stays, so a reader still sees that a
request was signed): every parameter, header and JSON field whose name holds a credential, in any
letter case (``access_key_id``, ``Signature``, ``X-Api-Signature``, ``X-Auth-Token``, ``Cookie``…;
``conformance.redact`` decides); in every other header (``Location``, ``Referer``) and in bodies, an
echoed ``signature=…`` and any QingCloud access key id; and, wherever they appear, raw or
percent-encoded, the values the caller knows to be secret (a recording's key pair) and the
signatures its run sent. A body stored as base64 is decoded, checked and, when it held a secret,
stored again as base64 of the scrubbed text.

Kept: ``time_stamp``, ``signature_method`` and ``signature_version``. They are not secrets, a
signature cannot be rebuilt from them once it is gone, and the time stamp says when each request was
made (the offline judge and a human both use that).

Everything else stays byte for byte: a query is split on ``&`` and only the value after a secret
name's ``=`` is replaced, so percent-encoding, order and duplicates survive. ``scrub_file`` cleans
a cassette written by another tool in place, by replacing those values in the file's own text and
proving the result reads back as the scrubbed document; only when it does not is the file rewritten.
It keeps the file's permission bits, and a symbolic link stays a link (the file it names is scrubbed).
"""

from __future__ import annotations

import base64
import binascii
import copy
import html
import re
from collections.abc import Collection, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote

from conformance import redact
from conformance.cassettes import format as cassette_format
from conformance.errors import CassetteError
from conformance.redact import ACCESS_KEY_ID, REDACTED
from conformance.signing import Secret, reveal

__all__ = [
    "ACCESS_KEY_ID",
    "REDACTED",
    "FileScrub",
    "Scrubbed",
    "scrub_document",
    "scrub_file",
    "scrub_interaction",
    "scrub_query",
    "scrub_text",
    "secret_header",
    "secret_param",
]

# Shorter values are replaced by rewriting the file: replacing them as text could hit other text.
_MIN_TEXT_REPLACEMENT = 8
# Where a signature may sit: a run of base64 characters, percent escapes and JSON's "\/" (one
# character class, so the search stays fast on a large body). Decoded, a signature in it is 27 or 43
# base64 characters and an "=" (HmacSHA1, HmacSHA256), not glued to more of them.
# A stretch of text a signature may hide in, in any encoding a server writes: raw base64,
# percent-encoded, JSON-escaped (``\/``, ``\u002B``) or HTML-escaped (``&#x2F;``, ``&#43;``).
_RUN = re.compile(r"[A-Za-z0-9+/%=\\&#;]{28,}")
_JSON_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})")
_SIGNATURE_SHAPE = re.compile(r"(?<![A-Za-z0-9+/])(?:[A-Za-z0-9+/]{43}|[A-Za-z0-9+/]{27})=")
# A whole body that is base64 (vcrpy's YAML keeps a binary body so; other tools do in JSON).
_BASE64_BODY = re.compile(
    r"\s*(?:[A-Za-z0-9+/]{4}\s*){4,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\s*"
)


def secret_param(name: str) -> bool:
    """Whether a query or form parameter called ``name`` holds a secret."""
    return redact.secret_name(name)


def secret_header(name: str, *, response: bool = False) -> bool:
    """Whether a request (or response) header called ``name`` holds a secret."""
    return redact.secret_name(name)


@dataclass(frozen=True)
class Scrubbed:
    """One value replaced: where (``query``, ``form``, ``request header``, ``response body``…),
    the name, and the raw text it replaced (kept in memory only, to find it in a file).

    ``at`` is text to find it by in the file when ``old`` is not there as written (a base64 body).
    """

    where: str
    name: str
    old: str
    new: str
    at: str = ""

    def __str__(self) -> str:
        return f"{self.where} {self.name}"

    def __repr__(self) -> str:
        return f"Scrubbed({self.where!r}, {self.name!r})"


def scrub_query(text: str, where: str = "query") -> tuple[str, list[Scrubbed]]:
    """``text`` (a query string or form body) with every secret value replaced; what was replaced."""
    clean, replaced = redact.redact_query(text)
    return clean, [Scrubbed(where, item.name, item.old, item.new) for item in replaced]


class _Known:
    """The values one interaction is scrubbed of wherever they appear, in every form they take."""

    def __init__(self, secrets: Iterable[str | Secret], signatures: Collection[str]) -> None:
        values = [reveal(secret) for secret in secrets]  # unwrapped here, to compare text
        self.forms = sorted(
            {
                form
                for value in values
                if len(value) >= _MIN_TEXT_REPLACEMENT
                for form in _forms(value)
            },
            key=len,
            reverse=True,  # a longer form first: an encoded value holds the raw one's prefix
        )
        self.signatures = signatures

    def scrub(self, text: str, where: str) -> tuple[str, list[Scrubbed]]:
        found: list[Scrubbed] = []
        for form in self.forms:
            if form in text:
                found.append(Scrubbed(where, "known secret", form, REDACTED))
                text = text.replace(form, REDACTED)
        if not self.signatures:
            return text, found
        pieces: list[str] = []
        done = 0
        for run in _RUN.finditer(text):
            hits = self._signatures_in(run.group())
            if not hits:
                continue
            clean = run.group()
            for hit in hits:
                found.append(Scrubbed(where, "signature sent", hit, REDACTED))
                for form in sorted(_forms(hit), key=len, reverse=True):
                    clean = clean.replace(form, REDACTED)
            if self._signatures_in(clean):
                clean = REDACTED  # in a form _forms does not know: the whole run goes
            pieces += [text[done : run.start()], clean]
            done = run.end()
        return "".join([*pieces, text[done:]]), found

    def _signatures_in(self, run: str) -> set[str]:
        decoded = _unquoted(_unescaped(run))
        return {
            match.group()
            for match in _SIGNATURE_SHAPE.finditer(decoded)
            if match.group() in self.signatures
        }


def _unescaped(text: str) -> str:
    """``text`` with JSON's and HTML's escapes of a character undone (a signature's ``+``, ``/``
    and ``=`` are escaped by many serialisers: System.Text.Json writes ``\\u002B``)."""
    if "\\" in text:
        text = _JSON_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)
        text = text.replace("\\/", "/")
    return html.unescape(text) if "&#" in text else text


def _unquoted(text: str) -> str:
    for _ in range(3):  # a query inside a redirect's next=… is percent-encoded twice
        if "%" not in text:
            break
        text = unquote(text)
    return text


def _forms(value: str) -> set[str]:
    """``value`` as written, percent-encoded once or twice (either hex case, ``+`` for a space),
    and JSON-escaped."""
    once = quote(value, safe="")
    twice = quote(once, safe="")
    return {
        value,
        once,
        _lower_hex(once),
        twice,
        _lower_hex(twice),
        quote_plus(value, safe=""),
        value.replace("/", "\\/"),
    }


def _lower_hex(encoded: str) -> str:
    return re.sub("%[0-9A-F]{2}", lambda match: match.group().lower(), encoded)


def scrub_text(
    text: str, *, secrets: Iterable[str | Secret] = (), signatures: Collection[str] = ()
) -> str:
    """Text on its way to a report a person reads (a diff's summary, a server's word): with secret
    fields, echoed parameters and access key ids replaced, as a recorded body is, and ``secrets``
    (a key pair in use) and ``signatures`` (what a run sent) wherever they appear."""
    return _scrub_text(text, "text", _Known(secrets, signatures))[0]


def scrub_interaction(
    interaction: MutableMapping[str, Any],
    *,
    secrets: Iterable[str | Secret] = (),
    signatures: Collection[str] = (),
) -> list[Scrubbed]:
    """Scrub one vcrpy interaction in place; returns what was replaced (empty: it was clean).

    ``secrets`` are values known to be secret (the recording's key pair) and ``signatures`` the
    signature values a run sent: they are replaced wherever they appear, raw or percent-encoded,
    as are access key ids.
    """
    known = _Known(secrets, signatures)
    found: list[Scrubbed] = []
    request = interaction.get("request")
    if isinstance(request, MutableMapping):
        uri = request.get("uri")
        if isinstance(uri, str) and "?" in uri:
            head, _, rest = uri.partition("?")
            query, hash_mark, fragment = rest.partition("#")
            clean, replaced = scrub_query(query)
            if replaced:
                request["uri"] = f"{head}?{clean}{hash_mark}{fragment}"
                found += replaced
        found += _scrub_form(request)
        found += _scrub_field(request, "uri", "uri", known)
        found += _scrub_field(request, "body", "request body", known)
        found += _scrub_headers(request, "request header", known)
    response = interaction.get("response")
    if isinstance(response, MutableMapping):
        found += _scrub_headers(response, "response header", known)
        body = response.get("body")
        if isinstance(body, MutableMapping):
            found += _scrub_field(body, "string", "response body", known)
    return found


def _scrub_text(text: str, where: str, known: _Known) -> tuple[str, list[Scrubbed]]:
    """Text with JSON fields, echoed parameters, access key ids and ``known`` values replaced."""
    text, replaced = redact.redact_json_fields(text)
    found = [Scrubbed(where, f"field {item.name}", item.old, item.new) for item in replaced]
    text, replaced = redact.redact_assignments(text)
    found += [Scrubbed(where, f"parameter {item.name}", item.old, item.new) for item in replaced]
    text, echoed = known.scrub(text, where)
    found += echoed
    if "QY" not in text:  # a quick no: the search below costs some 15 times more on a page of jobs
        return text, found
    found += [
        Scrubbed(where, "access key id", match.group(), REDACTED)
        for match in ACCESS_KEY_ID.finditer(text)
    ]
    return ACCESS_KEY_ID.sub(REDACTED, text), found


def _scrub_field(
    holder: MutableMapping[str, Any], field: str, where: str, known: _Known
) -> list[Scrubbed]:
    """Scrub ``holder[field]`` (text or bytes) as ``_scrub_text`` does, and a base64 body inside."""
    value = holder.get(field)
    if not isinstance(value, str | bytes) or not value:
        return []
    text = value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value
    clean, found = _scrub_text(text, where, known)
    if isinstance(value, bytes) and found:
        # A binary body: YAML shows it as base64, so the file holds none of the old text.
        shown = base64.b64encode(value[:60]).decode("ascii")[:40]
        found = [Scrubbed(item.where, item.name, item.old, item.new, shown) for item in found]
    elif not found and _BASE64_BODY.fullmatch(text):
        clean, found = _scrub_base64(text, where, known)
    if not found:
        return []
    holder[field] = clean.encode("utf-8", "surrogateescape") if isinstance(value, bytes) else clean
    return found


def _scrub_base64(text: str, where: str, known: _Known) -> tuple[str, list[Scrubbed]]:
    try:
        decoded = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return text, []
    clean, found = _scrub_text(decoded.decode("utf-8", "surrogateescape"), where, known)
    if not found:
        return text, []
    encoded = base64.b64encode(clean.encode("utf-8", "surrogateescape")).decode("ascii")
    shown = text.strip()[:40]
    return encoded, [
        Scrubbed(f"{where} (base64)", item.name, item.old, item.new, shown) for item in found
    ]


def _scrub_form(request: MutableMapping[str, Any]) -> list[Scrubbed]:
    body = request.get("body")
    if not isinstance(body, str | bytes) or not body:
        return []
    text = body.decode("utf-8", "surrogateescape") if isinstance(body, bytes) else body
    if "=" not in text or "\n" in text.strip() or text.lstrip().startswith(("{", "[", "<")):
        return []  # not a form body (JSON, XML, multipart): _scrub_field reads it as text
    clean, replaced = scrub_query(text, "form")
    if replaced:
        request["body"] = (
            clean.encode("utf-8", "surrogateescape") if isinstance(body, bytes) else clean
        )
    return replaced


def _scrub_headers(message: MutableMapping[str, Any], where: str, known: _Known) -> list[Scrubbed]:
    """A secret-named header's every value replaced; in the others, what ``_scrub_text`` finds."""
    headers = message.get("headers")
    if not isinstance(headers, MutableMapping):
        return []
    found: list[Scrubbed] = []
    for name in list(headers):
        values = headers[name]
        listed = values if isinstance(values, list) else [values]
        if isinstance(name, str) and redact.secret_name(name):
            fresh = [REDACTED] * len(listed)
            found += [
                Scrubbed(where, name, str(value), REDACTED)
                for value in listed
                if str(value) != REDACTED
            ]
        else:
            fresh = []
            for value in listed:
                if not isinstance(value, str):
                    fresh.append(value)
                    continue
                clean, replaced = _scrub_text(value, f"{where} {name}", known)
                fresh.append(clean)
                found += replaced
        if fresh != listed:
            headers[name] = fresh if isinstance(values, list) else fresh[0]
    return found


def scrub_document(document: Mapping[str, Any]) -> tuple[dict[str, Any], list[Scrubbed]]:
    """A scrubbed deep copy of a cassette document, and what was replaced."""
    clean: dict[str, Any] = copy.deepcopy(dict(document))
    found: list[Scrubbed] = []
    for interaction in clean.get("interactions") or []:
        if isinstance(interaction, MutableMapping):
            found += scrub_interaction(interaction)
    return clean, found


@dataclass(frozen=True)
class FileScrub:
    """What ``scrub_file`` did to one file: the values replaced, and whether it had to rewrite it."""

    path: Path
    scrubbed: tuple[Scrubbed, ...]
    rewritten: bool

    def summary(self) -> str:
        """One line for the command line; never a secret's value."""
        if not self.scrubbed:
            return f"{self.path}: clean"
        counts: dict[str, int] = {}
        for item in self.scrubbed:
            counts[str(item)] = counts.get(str(item), 0) + 1
        listed = ", ".join(f"{name} ×{count}" for name, count in counts.items())
        how = "rewritten" if self.rewritten else "values replaced in place"
        return f"{self.path}: scrubbed {len(self.scrubbed)} value(s) ({listed}); {how}"


def scrub_file(path: str | Path, *, dry_run: bool = False) -> FileScrub:
    """Scrub a cassette file in place, changing nothing but the secret values where possible."""
    path = Path(path)
    cassette = cassette_format.load(path)
    clean, found = scrub_document(cassette.document)
    if not found:
        return FileScrub(path, (), rewritten=False)
    raw = path.read_bytes()
    candidate = _replaced_in_text(raw, found)
    rewritten = True
    if candidate is not None:
        try:
            again = cassette_format.parse(candidate, cassette.serializer, str(path))
        except CassetteError:
            again = None
        rewritten = again != clean
    payload = (
        cassette_format.dumps(clean, cassette.serializer)
        if rewritten or candidate is None
        else candidate
    )
    if not dry_run:
        cassette_format.replace_bytes(path, payload)
    return FileScrub(path, tuple(found), rewritten)


def _replaced_in_text(raw: bytes, found: list[Scrubbed]) -> bytes | None:
    """``raw`` with each secret's text replaced, or None when a value is too short to find safely."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    for item in found:
        if item.where in {"query", "form"}:
            # The whole name=value segment, bounded by what can surround it in a uri or body.
            pattern = re.compile(r"(?<=[?&;\"' \n])" + re.escape(item.old) + r"(?=[&;\"'#\s]|$)")
            text = pattern.sub(item.new.replace("\\", "\\\\"), text)
        elif len(item.old) >= _MIN_TEXT_REPLACEMENT:
            text = text.replace(item.old, item.new)
        else:
            return None
    return text.encode("utf-8")
