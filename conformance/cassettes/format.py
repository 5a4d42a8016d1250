"""Cassettes on disk: vcrpy's own format, in YAML or JSON, with the toolkit's provenance beside it.

A cassette is ``{"interactions": [...], "version": 1}`` exactly as vcrpy writes it, so vcrpy and
pytest-recording can replay ours and we can judge theirs. What the toolkit adds lives in one extra
top-level key, ``conformance`` (when, where, under which contract), and in an optional
``conformance`` key of each interaction (the session and the authentication verdict); vcrpy reads
only ``request`` and ``response`` and ignores both.

YAML is read with libyaml's safe loader when PyYAML has it (the pure-Python one otherwise), never
with a loader that can build Python objects. Every problem with a file is a ``CassetteError`` of
one line that names the file and, for a parse error, the line and column.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

from conformance.errors import CassetteError
from conformance.jsontext import is_int

try:  # libyaml: ~10x faster than the pure-Python loader on a large cassette
    from yaml import CSafeDumper as _Dumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

FORMAT_VERSION = 1
PROVENANCE_KEY = "conformance"
SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


@dataclass(frozen=True)
class Provenance:
    """Where and under which contract a cassette was recorded.

    ``contract`` is ``contract_hash()`` at recording time; ``interactions`` is how many the recorder
    wrote, so a cassette cut short is told apart from a short run.
    """

    recorded_at: str
    endpoint: str
    host: str
    zone: str
    app: str
    toolkit: str
    contract: str
    interactions: int
    seed: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The provenance as the cassette stores it."""
        return {
            "recorded_at": self.recorded_at,
            "endpoint": self.endpoint,
            "host": self.host,
            "zone": self.zone,
            "app": self.app,
            "toolkit": self.toolkit,
            "contract": self.contract,
            "interactions": self.interactions,
            "seed": self.seed,
        }

    @classmethod
    def from_json(cls, data: object, name: str) -> Provenance:
        """Read a stored provenance; a ``CassetteError`` names the field that is wrong."""
        if not isinstance(data, Mapping):
            raise CassetteError(f"{name}: '{PROVENANCE_KEY}' is not a mapping")
        text_fields = ("recorded_at", "endpoint", "host", "zone", "app", "toolkit", "contract")
        values: dict[str, Any] = {}
        for field in text_fields:
            value = data.get(field)
            if not isinstance(value, str):
                raise CassetteError(f"{name}: {PROVENANCE_KEY}.{field} is missing or not text")
            values[field] = value
        count, seed = data.get("interactions"), data.get("seed")
        if not isinstance(count, int) or isinstance(count, bool):
            raise CassetteError(f"{name}: {PROVENANCE_KEY}.interactions is not a whole number")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise CassetteError(f"{name}: {PROVENANCE_KEY}.seed is not a whole number")
        return cls(**values, interactions=count, seed=seed)


@dataclass(frozen=True)
class Cassette:
    """One cassette file, read: its interactions as vcrpy dicts, and its provenance if it has one."""

    path: Path
    serializer: str
    interactions: list[dict[str, Any]]
    provenance: Provenance | None
    #: The whole document as read (other tools' top-level keys included), for rewriting it.
    document: dict[str, Any]

    @property
    def name(self) -> str:
        """The path as the user gave it, for messages."""
        return str(self.path)


@functools.cache
def contract_hash() -> str:
    """SHA-256 over the schemas and the rule catalogue's ids and titles: what judged a recording.

    A rule added, dropped or retitled changes it as much as a schema edit, since either changes
    what a recording is judged by.
    """
    from conformance.rules import CATALOGUE
    from conformance.schemas import contract_hash as schemas_hash

    digest = hashlib.sha256(schemas_hash().encode("ascii"))
    for rule in CATALOGUE:
        digest.update(f"\n{rule.id}\t{rule.title}".encode())
    return digest.hexdigest()


def serializer_for(path: Path) -> str:
    """``yaml`` or ``json``, from the file's suffix; a ``CassetteError`` lists the known suffixes."""
    serializer = SUFFIXES.get(path.suffix.lower())
    if serializer is None:
        raise CassetteError(
            f"{path}: a cassette is named *.yaml, *.yml or *.json, not *{path.suffix or ' (none)'}"
        )
    return serializer


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """The cassette files ``paths`` name: files as given, folders searched for *.yaml/*.yml/*.json."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            inside = sorted(
                file
                for file in path.rglob("*")
                if file.suffix.lower() in SUFFIXES and file.is_file()
            )
            if not inside:
                raise CassetteError(f"{path}: a folder with no cassette (*.yaml, *.yml, *.json)")
            found.extend(inside)
        elif path.is_file():
            serializer_for(path)
            found.append(path)
        else:
            raise CassetteError(f"{path}: no such cassette file or folder")
    return list(dict.fromkeys(found))


def load(path: str | Path) -> Cassette:
    """Read one cassette file; ``CassetteError`` (one line, file and position) when it is not one."""
    path = Path(path)
    serializer = serializer_for(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CassetteError(f"cannot read {path}: {error.strerror or error}") from None
    return from_document(parse(raw, serializer, str(path)), path, serializer, raw)


def parse(raw: bytes, serializer: str, name: str) -> Any:
    """The document in ``raw``: JSON with orjson (the standard library says where it breaks)."""
    if serializer == "json":
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
        try:
            return json.loads(raw)
        except json.JSONDecodeError as error:
            raise CassetteError(
                f"{name} is not valid JSON: {error.msg.removesuffix(' at')} "
                f"at line {error.lineno}, column {error.colno}"
            ) from None
        except (UnicodeDecodeError, RecursionError, ValueError) as error:
            raise CassetteError(f"{name} is not valid JSON: {_first_line(error)}") from None
    try:
        # _Loader is CSafeLoader or SafeLoader: plain data only, never a Python object.
        return yaml.load(raw, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        # Not str(error): PyYAML quotes the offending text, which may be a credential.
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = error.problem or error.context or "unreadable"
        if isinstance(error, yaml.constructor.ConstructorError):
            problem = f"{problem} (a safe loader builds no Python objects)"
        raise CassetteError(f"{name} is not valid YAML: {problem}{where}") from None
    except yaml.reader.ReaderError as error:
        raise CassetteError(
            f"{name} is not valid YAML: {error.reason} at byte {error.position}"
        ) from None
    except yaml.YAMLError as error:
        raise CassetteError(f"{name} is not valid YAML: {_first_line(error)}") from None


def from_document(document: Any, path: Path, serializer: str, raw: bytes = b"") -> Cassette:
    """Check that ``document`` is a vcrpy cassette (version 1) and wrap it."""
    name = str(path)
    if isinstance(document, list):
        raise CassetteError(
            f"{name} is a list: a cassette of vcrpy before 1.0 (re-record it, or run vcrpy's migration)"
        )
    if not isinstance(document, dict):
        raise CassetteError(
            f"{name} is not a vcrpy cassette: expected a mapping with 'interactions' and 'version'"
        )
    interactions = document.get("interactions")
    if not isinstance(interactions, list):
        raise CassetteError(f"{name} is not a vcrpy cassette: it has no 'interactions' list")
    if document.get("version") != FORMAT_VERSION:
        cut = " (was the file cut short?)" if "version" not in document else ""
        raise CassetteError(
            f"{name}: 'version' is {document.get('version')!r}, vcrpy's format is version "
            f"{FORMAT_VERSION}{cut}"
        )
    for index, interaction in enumerate(interactions):
        problem = _interaction_problem(interaction)
        if problem is not None:
            raise CassetteError(
                f"{name}: interaction {index + 1} {problem}{_position(raw, serializer, index)}"
            )
    provenance = None
    if PROVENANCE_KEY in document:
        provenance = Provenance.from_json(document[PROVENANCE_KEY], name)
        if provenance.interactions != len(interactions):
            raise CassetteError(
                f"{name}: holds {len(interactions)} interactions but was recorded with "
                f"{provenance.interactions} (was the file cut short?)"
            )
    return Cassette(path, serializer, interactions, provenance, document)


def _interaction_problem(interaction: object) -> str | None:
    # Only what every reader needs; the judge copes with the rest (odd headers, binary bodies).
    if not isinstance(interaction, dict):
        return "is not a mapping"
    request, response = interaction.get("request"), interaction.get("response")
    if not isinstance(request, dict):
        return "has no request"
    if not isinstance(request.get("method"), str) or not isinstance(request.get("uri"), str):
        return "has no request method or uri"
    if not isinstance(response, dict):
        return "has no response"
    status, body = response.get("status"), response.get("body")
    if not isinstance(status, dict) or not is_int(status.get("code")):
        return "has no response status code"
    if not isinstance(body, dict) or not isinstance(body.get("string"), str | bytes):
        return "has no response body string"
    return None


def _position(raw: bytes, serializer: str, index: int) -> str:
    """Where interaction ``index`` starts in ``raw`` (only on the error path: it parses again)."""
    if not raw:
        return ""
    if serializer == "yaml":
        try:
            root = yaml.compose(raw, Loader=_Loader)  # nodes with their marks; builds nothing
        except yaml.YAMLError:
            return ""
        for key, value in getattr(root, "value", ()):
            if getattr(key, "value", None) == "interactions" and index < len(value.value):
                mark = value.value[index].start_mark
                return f" (line {mark.line + 1}, column {mark.column + 1})"
        return ""
    # JSON carries no marks; the n-th "request" key is where interaction n starts in vcrpy's layout.
    starts = [match.start() for match in re.finditer(rb'"request"\s*:', raw)]
    if index < len(starts):
        offset = starts[index]
        line = raw.count(b"\n", 0, offset) + 1
        column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
        return f" (near line {line}, column {column})"
    return ""


def document(
    interactions: list[dict[str, Any]], provenance: Provenance | None = None
) -> dict[str, Any]:
    """A cassette document: provenance first (it is what a reader wants to see), then vcrpy's keys."""
    head = {PROVENANCE_KEY: provenance.to_json()} if provenance is not None else {}
    return {**head, "interactions": interactions, "version": FORMAT_VERSION}


def dumps(data: Mapping[str, Any], serializer: str) -> bytes:
    """``data`` as a cassette file's bytes."""
    if serializer == "json":
        try:
            return orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"
        except TypeError:
            # A body that is not UTF-8 (bytes) goes in as surrogate escapes, which orjson refuses
            # and the standard library writes as \udcXX; reading it back gives the same bytes.
            return (json.dumps(_json_safe(data), indent=2) + "\n").encode("ascii")
    text: str = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    return text.encode("utf-8")


def _json_safe(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, Mapping):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


def write(path: str | Path, data: Mapping[str, Any]) -> None:
    """Write a cassette atomically (a reader never sees half a file); the suffix picks the format."""
    path = Path(path)
    serializer = serializer_for(path)
    payload = dumps(data, serializer)
    replace_bytes(path, payload)


def replace_bytes(path: Path, payload: bytes) -> None:
    """Write ``payload`` to a temporary file beside ``path`` and move it into place.

    A file that is there keeps its permission bits (a 0640 cassette stays 0640); a new one gets
    the umask's. A symbolic link stays a link: the file it names is replaced, never the link by a
    copy (which would silently fork a cassette shared through links, and leave the secrets in the
    file it named).
    """
    try:
        target = Path(os.path.realpath(path)) if path.is_symlink() else path
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = _mode_of(target)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(payload)
            # mkstemp makes the file private (0600); a cassette is meant to be committed and shared.
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise CassetteError(f"cannot write {path}: {error.strerror or error}") from None


def _mode_of(path: Path) -> int:
    """The permission bits ``path`` has, or a new file's (0666 less the umask) when it is not there."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]
