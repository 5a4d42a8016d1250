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
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

from conformance.cassettes.interaction import host_of
from conformance.documents import load_yaml
from conformance.errors import CassetteError, InputError
from conformance.jsontext import is_int, nested_deeper
from conformance.paths import write_atomically
from conformance.shown import shown

try:  # libyaml: ~10x faster than the pure-Python loader on a large cassette
    from yaml import CSafeDumper as _Dumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

FORMAT_VERSION = 1
#: How deep a cassette may nest. vcrpy's layout takes 6 levels (the document, its interactions, one
#: interaction, its response, its headers, a header's values); the rest is room for other tools'.
#: Anything deeper would only exhaust Python's recursion in whoever copies or rewrites the document next
#: (a scrub's deep copy, PyYAML's writer, which recurses a few frames per level).
MAX_NESTING = 32
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
    """The document in ``raw``: JSON with orjson (the standard library says where it breaks), YAML
    with libyaml's safe loader (``conformance.documents``: bounded aliases). Either way nested at
    most ``MAX_NESTING`` levels, so whoever copies or rewrites it next cannot run out of stack."""
    document = _parse_json(raw, name) if serializer == "json" else _parse_yaml(raw, name)
    if nested_deeper(document, MAX_NESTING):
        raise CassetteError(
            f"{name} nests more than {MAX_NESTING} levels deep: not a cassette (vcrpy's nest 6)"
        )
    return document


def _parse_json(raw: bytes, name: str) -> Any:
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
    except RecursionError:
        raise CassetteError(f"{name} is not valid JSON: it nests too deep to read") from None
    except ValueError as error:  # not UTF-8, or an integer of thousands of digits
        raise CassetteError(f"{name} is not valid JSON: {_first_line(error)}") from None


def _parse_yaml(raw: bytes, name: str) -> Any:
    try:
        # A safe loader: plain data only, never a Python object; aliases bounded.
        return load_yaml(raw)
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
    version = document.get("version")
    if not is_int(version) or version != FORMAT_VERSION:
        cut = " (was the file cut short?)" if "version" not in document else ""
        raise CassetteError(
            f"{name}: 'version' is {_described(version)}, vcrpy's format is version "
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
    # Every field a reader takes from an interaction has its type checked here, once, so that the
    # judge, the replay and the scrub can read them without a guard: a wrong type is one line that
    # names the interaction, never a traceback later. What no reader takes is left alone.
    if not isinstance(interaction, dict):
        return f"is {_kind(interaction)}, not a mapping"
    request, response = interaction.get("request"), interaction.get("response")
    if not isinstance(request, dict):
        return "has no request"
    method, uri = request.get("method"), request.get("uri")
    if not isinstance(method, str) or not method or not isinstance(uri, str):
        return "has no request method or uri"
    if not host_of(uri):
        return (
            f"has request uri {_described(uri)}: no scheme and host (vcrpy writes http(s)://host/…)"
        )
    if not isinstance(request.get("body"), str | bytes | None):
        return f"has a request body that is {_kind(request.get('body'))}, not text"
    problem = _headers_problem(request.get("headers"), "request")
    if problem is not None:
        return problem
    if not isinstance(response, dict):
        return "has no response"
    status, body = response.get("status"), response.get("body")
    if not isinstance(status, dict) or "code" not in status:
        return "has no response status code"
    code = status["code"]
    if not is_int(code):
        return f"has a response status code that is {_kind(code)}, not a whole number"
    if not 100 <= code <= 999:
        return f"has response status code {code}, not an HTTP status (100 to 999)"
    if not isinstance(status.get("message"), str | None):
        return f"has a response status message that is {_kind(status.get('message'))}, not text"
    problem = _headers_problem(response.get("headers"), "response")
    if problem is not None:
        return problem
    if not isinstance(body, dict) or "string" not in body:
        return "has no response body string"
    if not isinstance(body["string"], str | bytes):
        return f"has a response body string that is {_kind(body['string'])}, not text"
    meta = interaction.get(PROVENANCE_KEY)
    if meta is None:
        return None
    if not isinstance(meta, dict):
        return f"has a '{PROVENANCE_KEY}' entry that is {_kind(meta)}, not a mapping"
    for field in ("at", "session", "auth"):
        if not isinstance(meta.get(field), str | None):
            return f"has {PROVENANCE_KEY}.{field} that is {_kind(meta.get(field))}, not text"
    return None


# What a header value may be: vcrpy writes a list of text; a number is read as its digits.
_HEADER_SCALARS = (str, int, float)


def _headers_problem(headers: object, side: str) -> str | None:
    if headers is None:
        return None
    if not isinstance(headers, dict):
        return f"has {side} headers that are {_kind(headers)}, not a mapping"
    for name, values in headers.items():
        if not isinstance(name, str):
            return f"has a {side} header name that is {_kind(name)}, not text"
        listed = values if isinstance(values, list) else [values]
        for value in listed:
            if isinstance(value, bool) or not isinstance(value, _HEADER_SCALARS):
                return (
                    f"has {side} header {_described(name)} holding {_kind(value)}, "
                    "not text or a list of text"
                )
    return None


def _kind(value: object) -> str:
    """What ``value`` is, in a reader's words (never the value: it may be large, or a secret)."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bytes):
        return "binary"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _described(value: object, limit: int = 60) -> str:
    """A short value as written (escaped for a terminal), anything else by its kind."""
    if value is None or isinstance(value, bool | int | float | str):
        return shown(repr(value), limit)
    return _kind(value)


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
    """Write ``payload`` to ``path`` atomically (``paths.write_atomically``); a ``CassetteError``
    names the path when it cannot be written."""
    try:
        write_atomically(path, payload)
    except InputError as error:
        raise CassetteError(str(error)) from None


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]
