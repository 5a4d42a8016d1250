"""The QingCloud query codec: a parameter dict <-> query pairs (``jobs.1=…&jobs.2=…``), both ways.

Decoding never raises on a malformed encoding: it keeps what is well-formed and reports the rest as
``EncodingProblem`` values, because the page leaves gaps, ``jobs.0`` and duplicates undefined and a
checker has to describe such requests rather than refuse them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

from conformance import contract

# What percent-encoding leaves as it is (the wire sheet, signature step 3), ASCII only.
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]*")

# The contract's integer parameters: read as ints when they are written as integers.
INTEGER_PARAMS: frozenset[str] = contract.INTEGERS

_INTEGER = re.compile(r"-?[0-9]+")  # ASCII only: int() would also accept "١" and " 1"


@dataclass(frozen=True)
class EncodingProblem:
    """One malformed parameter: its raw name and value, what kind of fault, and a sentence."""

    name: str
    kind: str  # bad-index, zero-index, gap, duplicate, scalar-beside-array
    value: str
    message: str


@dataclass(frozen=True)
class DecodedQuery:
    """The parameters as a server would read them, and everything malformed about their encoding."""

    params: dict[str, Any]
    problems: tuple[EncodingProblem, ...] = ()


@functools.lru_cache(maxsize=4096)
def percent_encode(text: str) -> str:
    """UTF-8 percent-encoding leaving only ``A-Z a-z 0-9 - _ . ~``, upper-case hex, space as %20."""
    # Memoised: a request encodes each of its ~15 names and values twice (to sign, to send), and
    # they repeat from request to request. Most need no escape at all, and a C-level regex says so
    # ~10x faster than quote() can encode them.
    if _UNRESERVED.fullmatch(text):
        return text
    # quote() always keeps "_.-~" and letters and digits; safe="" stops it keeping "/".
    return quote(text, safe="")


def encode(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Flatten parameters to query pairs in the given order: lists become ``name.1``, ``name.2``…

    ``None`` values are left out. An empty list sends nothing, so it does not come back from
    ``decode``. Booleans are refused: the API has no boolean type and 1/0 vs true/false is a guess.
    """
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            # Leaving out a None element would renumber the ones after it, so it is refused.
            pairs.extend(
                (f"{name}.{index}", _scalar_text(f"{name}.{index}", item))
                for index, item in enumerate(value, start=1)
            )
        else:
            pairs.append((name, _scalar_text(name, value)))
    return pairs


def decode(query: str | bytes | Iterable[tuple[str, str]]) -> DecodedQuery:
    """Read a url-encoded query string or form body (``+`` is a space), or already decoded pairs.

    Arrays come back as lists in index order; ``INTEGER_PARAMS`` as ``int`` when they are written
    as integers (otherwise the string stays, so a schema can reject it). Malformed elements are left
    out of ``params`` and reported; for a duplicate the first value is kept.
    """
    scalars: dict[str, tuple[int, str]] = {}  # name -> (position, first value)
    arrays: dict[str, dict[int, tuple[int, str]]] = {}  # base -> index -> (position, value)
    order: dict[str, None] = {}  # names and bases in order of first appearance
    found: list[tuple[int, EncodingProblem]] = []

    for position, (name, value) in enumerate(_pairs(query)):
        base, dot, index_text = name.partition(".")
        if not (dot and base):
            if name in scalars:
                found.append((position, _duplicate(name, value)))
            else:
                scalars[name] = (position, value)
                order.setdefault(name, None)
            continue
        index = _integer(index_text)
        # "jobs.01" is refused rather than read as 1: it would silently collide with "jobs.1".
        if index is None or (index > 0 and index_text != str(index)):
            message = f"{name}: the index {index_text!r} is not a plain positive integer (1, 2, …)"
            found.append((position, EncodingProblem(name, "bad-index", value, message)))
        elif index < 1:
            message = f"{name}: array indices start at 1"
            found.append((position, EncodingProblem(name, "zero-index", value, message)))
        elif index in arrays.setdefault(base, {}):
            found.append((position, _duplicate(name, value)))
        else:
            arrays[base][index] = (position, value)
            order.setdefault(base, None)

    params: dict[str, Any] = {}
    for key in order:
        elements = arrays.get(key)
        if not elements:
            params[key] = _typed(key, scalars[key][1])
            continue
        if key in scalars:
            # params cannot hold both; the array is what the page documents, so it wins.
            position, value = scalars[key]
            message = (
                f"{key} is sent both as a single value and as an array ({key}.N): the array is kept"
            )
            found.append((position, EncodingProblem(key, "scalar-beside-array", value, message)))
        found.extend(_gaps(key, elements))
        params[key] = [elements[index][1] for index in sorted(elements)]

    found.sort(key=lambda item: item[0])  # stable: problems read in the order of the query
    return DecodedQuery(params=params, problems=tuple(problem for _, problem in found))


def query_string(pairs: Iterable[tuple[str, str]]) -> str:
    """Pairs as a query string for the wire, in the given order (see ``percent_encode``)."""
    return "&".join(f"{percent_encode(name)}={percent_encode(value)}" for name, value in pairs)


def _scalar_text(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(
            f"{name}: cannot encode {type(value).__name__} {value!r}; "
            "use a str, an int, or a list or tuple of them"
        )
    return str(value)


def _pairs(query: str | bytes | Iterable[tuple[str, str]]) -> Iterable[tuple[str, str]]:
    if isinstance(query, bytes):
        query = query.decode("utf-8", "replace")
    if isinstance(query, str):
        return parse_qsl(query, keep_blank_values=True)
    return query


def _integer(text: str) -> int | None:
    if not _INTEGER.fullmatch(text):
        return None
    try:
        return int(text)
    except ValueError:  # more digits than int() accepts from a string (sys.get_int_max_str_digits)
        return None


def _typed(name: str, value: str) -> Any:
    if name in INTEGER_PARAMS:
        number = _integer(value)
        if number is not None:
            return number
    return value


def _duplicate(name: str, value: str) -> EncodingProblem:
    message = f"{name} appears more than once: the first value is kept"
    return EncodingProblem(name, "duplicate", value, message)


def _gaps(base: str, elements: dict[int, tuple[int, str]]) -> list[tuple[int, EncodingProblem]]:
    found: list[tuple[int, EncodingProblem]] = []
    previous = 0
    for index in sorted(elements):
        if index > previous + 1:
            position, value = elements[index]
            name = f"{base}.{index}"
            lead = f"{name} follows {base}.{previous}" if previous else f"{name} comes first"
            missing = (
                f"index {previous + 1} is missing"
                if index == previous + 2
                else f"indices {previous + 1} to {index - 1} are missing"
            )
            found.append((position, EncodingProblem(name, "gap", value, f"{lead}: {missing}")))
        previous = index
    return found
