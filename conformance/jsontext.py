"""JSON text to Python, fast: orjson, with the standard library deciding what orjson refuses.

orjson rejects some valid JSON (integers beyond 64 bits) and the JSON extensions the standard
library reads (NaN); for those the standard library decides, and raises ValueError (with its
position) when the text is not JSON at all. orjson parses ~3x faster here (bench_validate.py).

Two things every JSON reader here keeps quiet about are made visible on request, at a cost paid only
when a document is not written the canonical way (``canonical``): an object that names a member
twice (both readers keep the last value, another client may keep the first) and nesting deeper than
``MAX_DEPTH``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeGuard

import orjson

#: The deepest document the toolkit reads: orjson writes nothing deeper (so whatever passes the
#: ``canonical`` check is never deeper), and Python's own recursion (``json.dumps``, ``repr``,
#: python-jsonschema) copes with it under a test runner's stack. A documented response nests 5.
MAX_DEPTH = 254


def loads(text: bytes | str) -> Any:
    """Parse ``text``; ValueError (with the position, when the standard library knows it) when it
    is not JSON, or nests deeper than orjson's 1024 levels and the standard library's recursion."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("it nests arrays and objects too deep to read") from None


def is_int(value: object) -> TypeGuard[int]:
    """A JSON integer: ``int`` but not ``bool`` (which Python counts as one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def canonical(document: object, text: bytes) -> bool:
    """True when ``text`` is how orjson writes ``document``, whitespace aside: then no object of it
    names a member twice and it nests at most ``MAX_DEPTH`` levels (orjson writes no deeper).

    Whitespace may differ (compact, ``", "`` and ``": "``, indentation), and is dropped from both
    sides, inside strings too: what is left still has one ``:`` outside strings per member, so a
    member a reader dropped always leaves ``text`` the longer. Any other spelling (``\\u``
    escapes, NaN, ``1e2``) is only a reason to look closer (``duplicate_members``,
    ``nested_deeper``), never a deviation. Costs a re-serialisation (~35 µs for a 100-job page).
    """
    try:
        written = orjson.dumps(document)
    except orjson.JSONEncodeError:  # deeper than orjson writes, or an integer beyond 64 bits
        return False
    if written == text:
        return True
    # Written by orjson, the only whitespace is spaces inside strings (JSON escapes the rest).
    if b" " in written:
        written = written.replace(b" ", b"")
    return written == text.translate(None, _WHITESPACE)


_WHITESPACE = b" \t\n\r"


def nested_deeper(value: object, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests arrays or objects more than ``limit`` levels deep (``[]`` is one
    level, ``[[]]`` two), walked level by level: no recursion, whatever the depth. Plain ``dict``
    and ``list`` only, as parsers build them."""
    level: list[Any] = [value] if value.__class__ is dict or value.__class__ is list else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [
            inner
            for outer in level
            for inner in (outer.values() if outer.__class__ is dict else outer)
            if inner.__class__ is dict or inner.__class__ is list
        ]
    return False


@dataclass(frozen=True)
class Repeat:
    """A member named more than once in one object: where the object is, the name, every value."""

    path: tuple[str | int, ...]
    name: str
    values: tuple[Any, ...]


def duplicate_members(text: bytes | str) -> list[Repeat]:
    """Every member named twice in an object of ``text``, in document order (empty when ``text``
    is not JSON, or nests deeper than the standard library reads)."""
    repeats: list[tuple[dict[str, Any], str, tuple[Any, ...]]] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        built = dict(pairs)
        if len(built) != len(pairs):
            for name in dict.fromkeys(name for name, _ in pairs):
                values = tuple(value for key, value in pairs if key == name)
                if len(values) > 1:
                    repeats.append((built, name, values))
        return built

    try:
        document = json.loads(text, object_pairs_hook=pairs_hook)
    except (ValueError, RecursionError):
        return []
    if not repeats:
        return []
    paths = dict(_container_paths(document))
    return [Repeat(paths.get(id(holder), ()), name, values) for holder, name, values in repeats]


def _container_paths(document: object) -> Iterator[tuple[int, tuple[str | int, ...]]]:
    """(id, path) of every object in ``document``, without recursion."""
    stack: list[tuple[object, tuple[str | int, ...]]] = [(document, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            yield id(value), path
            stack.extend((inner, (*path, key)) for key, inner in value.items())
        elif isinstance(value, list):
            stack.extend((inner, (*path, index)) for index, inner in enumerate(value))
