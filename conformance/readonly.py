"""Read-only, also by hand: the one verdict on whether a request asks for DescribeClusterJobs alone.

Pure, with two callers in mind: ``conformance sign`` (before it signs what a user typed) and the live
target (before it sends). A query or form body is read every way a server might read it: split on
``&`` and on ``;`` (some servers still split there), each name percent-decoded, stripped of spaces
and compared in any letter case, also with what a server might drop from a name (a NUL and what
follows, a ``.N`` list index, ``[]``). Exactly one parameter may read as ``action``, it must be named
``action`` exactly, and its value must be DescribeClusterJobs exactly: a second one, even one that
says DescribeClusterJobs too, leaves the action to whichever the server happens to keep.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from conformance.client import ACTION

_SEPARATORS = re.compile("[&;]")
# What a server may drop from a name before it reads it: a C string's end (NUL and after), a
# QingCloud list index (``action.1``), a PHP-style array (``action[]``), surrounding space.
_NAME_BASE = re.compile(r"[\x00.\[]")
_SHOWN = 40  # characters of a refused value shown in a message


def actions(*texts: str) -> list[tuple[str, str]]:
    """Every parameter of ``texts`` (queries, form bodies) a server might read as ``action``:
    its name and its value, decoded, in order."""
    found: list[tuple[str, str]] = []
    for text in texts:
        for piece in _SEPARATORS.split(text):
            raw_name, _, raw_value = piece.partition("=")
            name = unquote_plus(raw_name)
            if _NAME_BASE.split(name, 1)[0].strip().lower() == "action":
                found.append((name, unquote_plus(raw_value)))
    return found


def refusal(*texts: str) -> str | None:
    """Why a request of these texts (its query, its form body) must not be signed or sent: one
    line naming what came in and what is allowed, or None when it asks for DescribeClusterJobs."""
    found = actions(*texts)
    if len(found) == 1 and found[0] == ("action", ACTION):
        return None
    allowed = f"only action={ACTION}, once, is ever signed or sent"
    if not found:
        return f"no action parameter: {allowed}"
    if len(found) > 1:
        listed = ", ".join(f"{_shown(name)}={_shown(value)}" for name, value in found[:5])
        return f"{len(found)} action parameters ({listed}): {allowed}"
    name, value = found[0]
    if name != "action":
        return f"an action parameter named {_shown(name)}: {allowed}"
    return f"action {_shown(value)}: {allowed}"


def _shown(text: str) -> str:
    # repr escapes control characters, so a value cannot rewrite the terminal line it is shown on.
    return repr(text[:_SHOWN] + ("…" if len(text) > _SHOWN else ""))
