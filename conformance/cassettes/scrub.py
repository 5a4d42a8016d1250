"""Secrets never reach disk: what is scrubbed from an interaction before it is written.

Scrubbed, by replacing the value with ``REDACTED`` (the name stays, so a reader still sees that a
request was signed): ``access_key_id``, ``signature`` and any token-like parameter (a name with
token, secret, password, credential, api key or session in it) in the query string and in a form
body; the request headers ``Authorization``, ``Proxy-Authorization``, ``Cookie`` and token-like
ones; the response headers ``Set-Cookie`` and token-like ones.

Kept: ``time_stamp``. It is not a secret, a signature cannot be rebuilt from it once the signature
is gone, and it says when each request was made (the offline judge and a human both use that).

Everything else stays byte for byte: a query is split on ``&`` and only the value after a secret
name's ``=`` is replaced, so percent-encoding, order and duplicates survive. ``scrub_file`` cleans
a cassette written by another tool in place, by replacing those values in the file's own text and
proving the result reads back as the scrubbed document; only when it does not is the file rewritten.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from conformance.cassettes import format as cassette_format
from conformance.errors import CassetteError

REDACTED = "REDACTED"
SECRET_PARAMS = frozenset({"access_key_id", "signature"})
SECRET_REQUEST_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
SECRET_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})
# signature_method and signature_version say how, not with what: they stay.
_TOKEN_LIKE = re.compile(r"token|secret|passw|credential|api[_-]?key|session|cookie", re.IGNORECASE)
# A QingCloud access key id. Servers echo one in error messages ("access key [QY…] is not known"),
# so it is replaced wherever it appears in a body or uri, not only as access_key_id.
ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])QY[A-Z0-9]{18}(?![A-Z0-9])")
# Shorter values are replaced by rewriting the file: replacing them as text could hit other text.
_MIN_TEXT_REPLACEMENT = 8


def secret_param(name: str) -> bool:
    """Whether a query or form parameter called ``name`` holds a secret."""
    return name in SECRET_PARAMS or _TOKEN_LIKE.search(name) is not None


def secret_header(name: str, *, response: bool = False) -> bool:
    """Whether a request (or response) header called ``name`` holds a secret."""
    lowered = name.lower()
    named = SECRET_RESPONSE_HEADERS if response else SECRET_REQUEST_HEADERS
    return lowered in named or _TOKEN_LIKE.search(lowered) is not None


@dataclass(frozen=True)
class Scrubbed:
    """One value replaced: where (``query``, ``form``, ``request header``, ``response header``),
    the name, and the raw text it replaced (kept in memory only, to find it in a file)."""

    where: str
    name: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.where} {self.name}"


def scrub_query(text: str, where: str = "query") -> tuple[str, list[Scrubbed]]:
    """``text`` (a query string or form body) with every secret value replaced; what was replaced."""
    if not text:
        return text, []
    found: list[Scrubbed] = []
    segments = text.split("&")
    for position, segment in enumerate(segments):
        raw_name, equals, raw_value = segment.partition("=")
        if not equals or raw_value == REDACTED or not secret_param(unquote_plus(raw_name)):
            continue
        segments[position] = f"{raw_name}={REDACTED}"
        found.append(Scrubbed(where, unquote_plus(raw_name), segment, segments[position]))
    return ("&".join(segments), found) if found else (text, [])


def scrub_interaction(
    interaction: MutableMapping[str, Any], *, secrets: Iterable[str] = ()
) -> list[Scrubbed]:
    """Scrub one vcrpy interaction in place; returns what was replaced (empty: it was clean).

    ``secrets`` are values known to be secret (the recording's key pair): they are replaced
    wherever they appear, as are access key ids.
    """
    known = tuple(secret for secret in secrets if len(secret) >= _MIN_TEXT_REPLACEMENT)
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
        found += _scrub_body(request)
        found += _scrub_values(request, "uri", "uri", known)
        found += _scrub_values(request, "body", "request body", known)
        found += _scrub_headers(request, response=False)
    response = interaction.get("response")
    if isinstance(response, MutableMapping):
        found += _scrub_headers(response, response=True)
        body = response.get("body")
        if isinstance(body, MutableMapping):
            found += _scrub_values(body, "string", "response body", known)
    return found


def _scrub_values(
    holder: MutableMapping[str, Any], field: str, where: str, known: tuple[str, ...]
) -> list[Scrubbed]:
    """Replace access key ids and ``known`` secrets anywhere in ``holder[field]`` (text or bytes)."""
    value = holder.get(field)
    if not isinstance(value, str | bytes) or not value:
        return []
    text = value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value
    found = [
        Scrubbed(where, "access key id", match.group(), REDACTED)
        for match in ACCESS_KEY_ID.finditer(text)
    ]
    found += [
        Scrubbed(where, "known secret", secret, REDACTED) for secret in known if secret in text
    ]
    if not found:
        return []
    text = ACCESS_KEY_ID.sub(REDACTED, text)
    for secret in known:
        text = text.replace(secret, REDACTED)
    holder[field] = text.encode("utf-8", "surrogateescape") if isinstance(value, bytes) else text
    return found


def _scrub_body(request: MutableMapping[str, Any]) -> list[Scrubbed]:
    body = request.get("body")
    if not isinstance(body, str | bytes) or not body:
        return []
    text = body.decode("utf-8", "surrogateescape") if isinstance(body, bytes) else body
    if "=" not in text or "\n" in text.strip() or text.lstrip().startswith(("{", "[", "<")):
        return []  # not a form body (JSON, XML, multipart): left alone
    clean, replaced = scrub_query(text, "form")
    if replaced:
        request["body"] = (
            clean.encode("utf-8", "surrogateescape") if isinstance(body, bytes) else clean
        )
    return replaced


def _scrub_headers(message: MutableMapping[str, Any], *, response: bool) -> list[Scrubbed]:
    headers = message.get("headers")
    if not isinstance(headers, MutableMapping):
        return []
    where = "response header" if response else "request header"
    found: list[Scrubbed] = []
    for name in list(headers):
        if not isinstance(name, str) or not secret_header(name, response=response):
            continue
        values = headers[name]
        listed = values if isinstance(values, list) else [values]
        for value in listed:
            if str(value) != REDACTED:
                found.append(Scrubbed(where, name, str(value), REDACTED))
        if any(str(value) != REDACTED for value in listed):
            headers[name] = [REDACTED] * len(listed) if isinstance(values, list) else REDACTED
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
            pattern = re.compile(r"(?<=[?&\"' \n])" + re.escape(item.old) + r"(?=[&\"'#\s]|$)")
            text = pattern.sub(item.new.replace("\\", "\\\\"), text)
        elif len(item.old) >= _MIN_TEXT_REPLACEMENT:
            text = text.replace(item.old, item.new)
        else:
            return None
    return text.encode("utf-8")
