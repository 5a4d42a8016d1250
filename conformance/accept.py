"""Known deviations a team accepts, with their reasons: reported as expected failures.

The file is YAML or JSON: a list of ``{rule: DCJ-…, reason: "…"}`` (a mapping of rule to reason is
accepted too). Every rule must exist and every reason must be said: an accepted deviation without a
reason is how known bugs become invisible.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from conformance.errors import InputError
from conformance.rules import RULES


def load_accepted(path: Path) -> dict[str, str]:
    """Rule id -> reason, from ``path``; an InputError says what is wrong and where."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        document: Any = yaml.safe_load(text)  # JSON is YAML, so one loader reads both
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"{path} is not YAML or JSON{where}") from None
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
                f"{path}: entry {index}: unknown rule {rule_id!r} (see `conformance rules`)"
            )
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(f"{path}: entry {index} ({rule_id}) gives no reason")
        accepted[rule_id] = reason.strip()
    return accepted
