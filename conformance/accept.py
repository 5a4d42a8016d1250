"""Known deviations a team accepts, with their reasons: reported as expected failures.

The file is YAML or JSON: a list of ``{rule: DCJ-…, reason: "…"}`` (a mapping of rule to reason is
accepted too). Every rule must exist and every reason must be said: an accepted deviation without a
reason is how known bugs become invisible.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from conformance.documents import load_yaml, read_bytes
from conformance.errors import InputError
from conformance.rules import RULES
from conformance.shown import shown

#: The largest accept file read: a reason per rule fits in a few kilobytes.
MAX_ACCEPT = 1024 * 1024


def load_accepted(path: Path) -> dict[str, str]:
    """Rule id -> reason, from ``path``; an InputError says what is wrong and where."""
    raw = read_bytes(path, limit=MAX_ACCEPT, what="an accept file")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path} is not UTF-8 text (byte {error.start})") from None
    try:
        document: Any = load_yaml(raw)  # JSON is YAML, so one loader reads both
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None)
        why = f": {problem}" if isinstance(problem, str) else ""
        raise InputError(f"{path} is not YAML or JSON{where}{why}") from None
    if isinstance(document, dict):
        document = [{"rule": rule_id, "reason": reason} for rule_id, reason in document.items()]
    if not isinstance(document, list):
        raise InputError(
            f"{path}: expected a list of {{rule, reason}}, got {type(document).__name__}"
        )
    accepted: dict[str, str] = {}
    for index, item in enumerate(document, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("rule"), str):
            raise InputError(f"{path}: entry {index} has no rule id")
        rule_id, reason = item["rule"], item.get("reason")
        if rule_id not in RULES:
            raise InputError(
                f"{path}: entry {index}: unknown rule {shown(repr(rule_id), 40)} "
                "(see `conformance rules`)"
            )
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(f"{path}: entry {index} ({rule_id}) gives no reason")
        accepted[rule_id] = reason.strip()
    return accepted
