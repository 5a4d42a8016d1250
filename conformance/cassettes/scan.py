"""The secret scan: does a cassette hold anything credential-like?

Two passes over each file. As text (so nothing escapes because it sits where the reader does not
look, and a file that does not even parse is still scanned): a QingCloud access key id
(``QY`` + 18 upper-case letters or digits), a ``signature=`` or ``"signature": …`` with a value
that is not ``REDACTED``, and every known secret — the emulator's published demo pair, and the
values of ``QINGCLOUD_ACCESS_KEY_ID`` / ``QINGCLOUD_SECRET_ACCESS_KEY`` (or other variables named by
the caller) when they are set — as written and percent-encoded. As a cassette (when it parses):
every value the scrubber would replace. A finding names the file, line, column and kind, never
the value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from conformance.cassettes import format as cassette_format
from conformance.cassettes.scrub import scrub_document
from conformance.errors import CassetteError

KEY_ID = re.compile(rb"(?<![A-Z0-9])QY[A-Z0-9]{18}(?![A-Z0-9])")
SIGNATURE = re.compile(
    rb"(?<![A-Za-z0-9_%])signature=(?!REDACTED(?:[&\"'\s#]|$))[^&\s\"'#]"
    rb"|\"signature\"\s*:\s*\"(?!REDACTED\")[^\"]"
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
    found: dict[int, str] = {}
    for match in KEY_ID.finditer(raw):
        found.setdefault(match.start(), "an access key id (QY…)")
    for match in SIGNATURE.finditer(raw):
        found.setdefault(match.start(), "a signature value")
    for secret, kind in (secrets if secrets is not None else known_secrets()).items():
        for form in {secret, quote(secret, safe="")}:
            start = raw.find(form.encode("utf-8"))
            while start >= 0:
                found.setdefault(start, kind)
                start = raw.find(form.encode("utf-8"), start + 1)
    for offset, kind in _unscrubbed(path, raw):
        found.setdefault(offset, kind)
    return [_leak(path, raw, offset, kind) for offset, kind in sorted(found.items())]


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
        offset = raw.find(item.old.encode("utf-8", "surrogateescape"))
        located.append((max(offset, 0), f"an unscrubbed {item}"))
    return located


def _leak(path: Path, raw: bytes, offset: int, kind: str) -> Leak:
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return Leak(path, line, column, kind)
