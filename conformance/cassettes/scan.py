"""The secret scan: does a cassette hold anything credential-like?

Two passes over each file. As text (so nothing escapes because it sits where the reader does not
look, and a file that does not even parse is still scanned): a QingCloud access key id
(``QY`` + 18 upper-case letters or digits); a ``signature=``, ``access_key_id=`` or
``secret_access_key=`` (in any letter case, ``=`` percent-encoded or not) or a JSON field of one of
those names, with a value that is not ``REDACTED``; and every known secret — the emulator's
published demo pair, and the values of ``QINGCLOUD_ACCESS_KEY_ID`` / ``QINGCLOUD_SECRET_ACCESS_KEY``
(or other variables named by the caller) when they are set — as written and percent-encoded. The
same text checks run inside every base64 block (YAML's ``!!binary``, a quoted string that is all
base64), decoded. As a cassette (when it parses): every value the scrubber would replace (a header
named for a credential, a JSON field, an echo). A finding names the file, line, column and kind,
never the value.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from conformance.cassettes import format as cassette_format
from conformance.cassettes.scrub import scrub_document
from conformance.errors import CassetteError

KEY_ID = re.compile(rb"(?<![A-Z0-9])QY[A-Z0-9]{18}(?![A-Z0-9])")
# name= (or name%3D, name%253D) and "name": "…", where the value is not REDACTED.
_CREDENTIAL = (
    rb"(?:(?<![A-Za-z0-9_%])|(?<=%26|%3[BbFf]))"
    rb"(?P<name>signature|access_key_id|secret_access_key)"
    rb"(?:=|%(?:25)*3[Dd])(?!REDACTED(?:[&;\"'\s#%]|$))[^&;\s\"'#]"
    rb"|\"(?P<field>signature|access_key_id|secret_access_key)\"\s*:\s*\"(?!REDACTED\")[^\"]"
)
CREDENTIAL = re.compile(_CREDENTIAL, re.IGNORECASE)
SIGNATURE = CREDENTIAL  # the name it had when it found signatures only
_KINDS = {
    b"signature": "a signature value",
    b"access_key_id": "an access key id",
    b"secret_access_key": "a secret access key",
}
# A YAML !!binary block (vcrpy's binary body), or a quoted string that is base64 through and
# through: decoded and scanned as text. 16 characters at least: a shorter one holds no credential.
_BINARY = re.compile(
    rb"!!binary\s*(?:[|>][-+]?\s*\n(?P<block>(?:[ \t]+[A-Za-z0-9+/=]+[ \t]*(?:\n|$))+)"
    rb"|(?P<quote>[\"'])(?P<quoted>[A-Za-z0-9+/=\s\\n]+)(?P=quote)|(?P<plain>[A-Za-z0-9+/=]+))"
)
_QUOTED_BASE64 = re.compile(
    rb"(?P<quote>[\"'])(?P<quoted>[A-Za-z0-9+/]{16,}={0,2})(?P=quote)"
    rb"|(?<=: )(?P<plain>[A-Za-z0-9+/]{16,}={0,2})[ \t]*(?:\r?\n|$)"  # a YAML plain scalar
)
SECRET_VARIABLES = ("QINGCLOUD_ACCESS_KEY_ID", "QINGCLOUD_SECRET_ACCESS_KEY")
# Shorter values would match ordinary text; no real key is this short.
MIN_SECRET = 6


@dataclass(frozen=True)
class Leak:
    """A credential-like value in a file: where it is and what kind (never the value)."""

    path: Path
    line: int
    column: int
    kind: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.kind}"


def known_secrets(
    env: Mapping[str, str] = os.environ, variables: Iterable[str] = SECRET_VARIABLES
) -> dict[str, str]:
    """What to look for by value: the emulator's demo pair, and ``variables`` set in ``env``."""
    from conformance.emulator.service import DEMO_CREDENTIALS

    secrets = {
        DEMO_CREDENTIALS.access_key_id: "the emulator's demo access key id",
        DEMO_CREDENTIALS.secret_access_key.reveal(): "the emulator's demo secret access key",
    }
    for name in variables:
        value = env.get(name, "")
        if len(value) >= MIN_SECRET:
            secrets[value] = f"the value of {name}"
    return secrets


def scan_file(path: str | Path, secrets: Mapping[str, str] | None = None) -> list[Leak]:
    """Every credential-like value in ``path``, in file order."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CassetteError(f"cannot read {path}: {error.strerror or error}") from None
    known = secrets if secrets is not None else known_secrets()
    found: dict[int, str] = {}
    for offset, kind in _in_text(raw, known):
        found.setdefault(offset, kind)
    # The parse pass names what it finds more closely ("an unscrubbed query access_key_id"), so
    # it goes before the text pass's names that are not signatures.
    for offset, kind in _unscrubbed(path, raw):
        found.setdefault(offset, kind)
    for offset, kind in _named(raw, signatures=False):
        found.setdefault(offset, kind)
    for start, decoded in _base64_blocks(raw):
        for _, kind in [*_in_text(decoded, known), *_named(decoded, signatures=False)]:
            found.setdefault(start, f"{kind}, base64-encoded")
    return [_leak(path, raw, offset, kind) for offset, kind in sorted(found.items())]


def _in_text(raw: bytes, secrets: Mapping[str, str]) -> Iterator[tuple[int, str]]:
    """Where the text checks find something in ``raw``, and what."""
    for match in KEY_ID.finditer(raw):
        yield match.start(), "an access key id (QY…)"
    yield from _named(raw, signatures=True)
    for secret, kind in secrets.items():
        for form in {secret, quote(secret, safe="")}:
            start = raw.find(form.encode("utf-8"))
            while start >= 0:
                yield start, kind
                start = raw.find(form.encode("utf-8"), start + 1)


def _named(raw: bytes, *, signatures: bool) -> Iterator[tuple[int, str]]:
    """Where a credential's name is given a value: signatures, or the other names."""
    for match in CREDENTIAL.finditer(raw):
        name = (match.group("name") or match.group("field")).lower()
        if (name == b"signature") is signatures:
            yield match.start(), _KINDS[name]


def _base64_blocks(raw: bytes) -> Iterator[tuple[int, bytes]]:
    """Each base64 block of ``raw`` (``!!binary``, or a quoted string all base64), decoded."""
    for match in _BINARY.finditer(raw):
        text = match.group("block") or match.group("quoted") or match.group("plain") or b""
        decoded = _decoded(text.replace(b"\\n", b""))
        if decoded is not None:
            yield match.start(), decoded
    for match in _QUOTED_BASE64.finditer(raw):
        decoded = _decoded(match.group("quoted") or match.group("plain"))
        if decoded is not None:
            yield match.start(), decoded


def _decoded(text: bytes) -> bytes | None:
    try:
        return base64.b64decode(b"".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def _unscrubbed(path: Path, raw: bytes) -> list[tuple[int, str]]:
    """Where the values the scrubber would replace start (nothing when the file does not parse)."""
    try:
        serializer = cassette_format.serializer_for(path)
        document = cassette_format.parse(raw, serializer, str(path))
    except CassetteError:
        return []  # scanned as text only
    if not isinstance(document, dict):
        return []
    _, scrubbed = scrub_document(document)
    located = []
    for item in scrubbed:
        offset = raw.find((item.at or item.old).encode("utf-8", "surrogateescape"))
        located.append((max(offset, 0), f"an unscrubbed {item}"))
    return located


def _leak(path: Path, raw: bytes, offset: int, kind: str) -> Leak:
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return Leak(path, line, column, kind)
