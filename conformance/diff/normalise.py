"""Answers in contract terms: what two targets with different data can still be compared on.

Two targets hold different jobs (ids, times, counts), so their answers are never compared byte for
byte. As LocalStack's snapshot transformers do, every id becomes a stable token (``<j-1>``, the
first distinct job id seen, wherever it appears again), every time becomes its format
(``<time YYYY-MM-DDThh:mm:ssZ>``), and the embedded ``directive`` is compared as the structure it
decodes to. What is left is a ``shape``: a few aspects, each a relation the contract speaks of —
accepted or refused, ret_code and token, the fields and their types, the page's size against the
answer's own ``total_count``, the order — that hold whatever the data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from conformance.codes import TOKENS
from conformance.contract import LIMIT, MAX_LIMIT, OFFSET
from conformance.exchange import NOT_JSON, Exchange
from conformance.jsontext import is_int

_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
_ID = re.compile(r"(j|cl|cln|usr|app|rtr|vxnet|i)-[A-Za-z0-9]{4,}")
# The members whose contents are data, not shape: their type is compared, not what they hold.
_OPAQUE = frozenset({"extras"})
#: The aspects of a shape, in the order a difference is named by: the first that differs.
ASPECTS = ("answer", "outcome", "ret_code", "token", "envelope", "items", "page", "order")


def time_format(text: str) -> str | None:
    """``YYYY-MM-DDThh:mm:ssZ`` (or ``…+hh:mm``, ``….f…``) for a date-time, None for anything else."""
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    fraction = ".f" if match[1] else ""
    zone = match[2] or ""
    suffix = "Z" if zone == "Z" else "+hh:mm" if zone else ""
    return f"YYYY-MM-DDThh:mm:ss{fraction}{suffix}"


class Tokens:
    """A stable token per distinct id, numbered per kind in the order first seen."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    def token(self, value: str) -> str:
        """``<j-1>`` for the first job id seen, ``<j-2>`` for the next, the same one again after."""
        found = self._seen.get(value)
        if found is None:
            kind = value.partition("-")[0]
            self._counts[kind] = self._counts.get(kind, 0) + 1
            found = self._seen[value] = f"<{kind}-{self._counts[kind]}>"
        return found


def skeleton(value: Any, tokens: Tokens, *, key: str = "") -> Any:
    """``value`` with ids as tokens, times as their format and a ``directive`` decoded: the form
    two answers are shown side by side in."""
    if isinstance(value, dict):
        return {name: skeleton(item, tokens, key=str(name)) for name, item in value.items()}
    if isinstance(value, list):
        return [skeleton(item, tokens) for item in value]
    if isinstance(value, str):
        if key == "directive":
            decoded = _decoded(value)
            if decoded is not None:
                return {"<decoded>": skeleton(decoded, tokens)}
        moment = time_format(value)
        if moment is not None:
            return f"<time {moment}>"
        if _ID.fullmatch(value):
            return tokens.token(value)
        if " " in value and all(_ID.fullmatch(part) for part in value.split(" ")):
            return " ".join(tokens.token(part) for part in value.split(" "))
    return value


def type_of(value: Any) -> str:
    """A JSON type, with a time's format: what a field is compared by."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if is_int(value):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        moment = time_format(value)
        return f"string<{moment}>" if moment else "string"
    return "array" if isinstance(value, list) else "object"


def _decoded(text: str) -> Any:
    try:
        decoded = json.loads(text)
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None


def _fields(value: Any, prefix: str, depth: int) -> Iterable[tuple[str, str]]:
    """(path, type) of ``value`` and, for objects, of their members ``depth`` levels down; the
    directive's decoded structure counts as one level below it."""
    yield prefix, type_of(value)
    name = prefix.rsplit("/", 1)[-1]
    if depth <= 0 or name in _OPAQUE:
        return
    if name == "directive" and isinstance(value, str):
        decoded = _decoded(value)
        if decoded is not None:
            yield from _fields(decoded, prefix + "→", depth)
        return
    if isinstance(value, dict):
        for member, inner in value.items():
            yield from _fields(inner, f"{prefix}/{member}", depth - 1)


def shape(exchange: Exchange, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The aspects of one answer (``ASPECTS``); an aspect that does not apply is None.

    ``page`` is the page's size less what its own ``total_count``, ``offset`` and ``limit`` call
    for (0: as the contract says), so it holds whatever the data.
    """
    response = exchange.response
    document = response.document
    kind = (
        "not JSON"
        if document is NOT_JSON
        else "JSON object"
        if isinstance(document, dict)
        else "JSON " + type_of(document)
    )
    found: dict[str, Any] = dict.fromkeys(ASPECTS)
    found["answer"] = f"HTTP {response.status} {kind}"
    if not isinstance(document, dict):
        return found
    code = document.get("ret_code")
    found["ret_code"] = code if is_int(code) else type_of(code)
    found["outcome"] = "accepted" if code == 0 else "refused"
    message = document.get("message")
    if isinstance(message, str) and code != 0:
        found["token"] = token(message)
    found["envelope"] = tuple(sorted({(key, type_of(value)) for key, value in document.items()}))
    jobs = document.get("job_set")
    if not isinstance(jobs, list):
        return found
    items = {pair for job in jobs for pair in _fields(job, "", 3)}
    found["items"] = tuple(sorted(items)) or None
    total = document.get("total_count")
    if is_int(total) and params is not None:
        found["page"] = len(jobs) - _expected_size(params, total)
    found["order"] = _order(jobs)
    return found


#: The words an error message may begin with that the page documents (``codes.TOKENS``).
DOCUMENTED_TOKENS = frozenset(TOKENS.values())
#: The token of a message that does not begin with a documented one. A server's own first word is
#: not shown: it may be anything the request held (QingCloud's say "access key [QY…] is not
#: known"), and which undocumented word it is does not matter to the contract.
UNDOCUMENTED = "<not a documented token>"


def token(message: str) -> str:
    """An error message's token: its first word when that is a documented token, else
    ``UNDOCUMENTED`` (``<none>`` for an empty message)."""
    word = re.split(r"[,\s]", message, maxsplit=1)[0]
    if word in DOCUMENTED_TOKENS:
        return word
    return UNDOCUMENTED if word else "<none>"


def _expected_size(params: Mapping[str, Any], total: int) -> int:
    limit, offset = params.get(LIMIT.name), params.get(OFFSET.name, OFFSET.default)
    size = limit if is_int(limit) and limit >= 1 else LIMIT.default
    start = offset if is_int(offset) and offset >= 0 else OFFSET.default
    return max(0, min(size, MAX_LIMIT, total - start))


def _order(jobs: list[Any]) -> str | None:
    times = [job.get("create_time") for job in jobs if isinstance(job, dict)]
    known = [moment for moment in times if isinstance(moment, str)]
    if len(set(known)) < 2 or len(known) < len(jobs):
        return None
    # Same-format times in UTC sort as text; a page mixing formats shows that in ``items``.
    if known == sorted(known, reverse=True):
        return "newest first"
    if known == sorted(known):
        return "oldest first"
    return "neither newest nor oldest first"


def merged(shapes: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The aspects of a walk's pages together: each aspect's distinct values, in order seen."""
    together: dict[str, Any] = {}
    listed = list(shapes)
    for aspect in ASPECTS:
        values = [page[aspect] for page in listed if page[aspect] is not None]
        distinct = tuple(dict.fromkeys(values))
        together[aspect] = distinct if distinct else None
    return together
