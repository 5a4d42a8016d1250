"""Which check can emit which rule: each check declares its rules where it is defined.

A check is a small function with a stable name that returns (or yields) deviations. Decorated with
``@emits("DCJ-PAGE-004", "DCJ-PAGE-005")`` it is registered with the rules it can emit itself
(through helpers of its own; a registered check it calls declares its own rules). ``refusals=True``
adds the rule of every refusal the contract declares (each invalid-input class that must be refused,
each authentication failure): the check emits that rule when such a request is accepted.

The probes' rule sets, the offline judge's per-rule counts and the "checked by" column of
docs/RULES.md are read from here (``rules_of``, ``checked_by``), so a rule a check starts to emit is
judged wherever that check runs, and a catalogue rule no check emits fails a test
(tests/test_registry.py). The decorator returns the function itself: registering costs nothing
per call.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from conformance.contract import AUTH_FAILURES, INVALID_INPUTS
from conformance.rules import rule

F = TypeVar("F", bound=Callable[..., Any])

#: The rules a refusal can be about: each refused invalid-input class's and each auth failure's.
REFUSALS: frozenset[str] = frozenset(
    {declared.rule for declared in INVALID_INPUTS if not declared.open}
    | {failure.rule for failure in AUTH_FAILURES.values()}
)

#: The modules that declare checks: ``checks()`` loads them to list every check (a test keeps this
#: list equal to the modules that use ``@emits``). Loaded by name, not imported here: the registry
#: sits under every check, and the checks' modules sit above it.
MODULES = (
    "conformance.validate",
    "conformance.judgement.exchanges",
    "conformance.judgement.verdicts",
    "conformance.cassettes.judge",
)


@dataclass(frozen=True)
class Check:
    """A registered check: its dotted name, the rules it declares, whether it also emits the rule
    of each refusal it is given (``REFUSALS``), and its summary line."""

    name: str
    rules: frozenset[str]
    summary: str
    refusals: bool = False

    @property
    def emitted(self) -> frozenset[str]:
        """Every rule it can emit."""
        return self.rules | REFUSALS if self.refusals else self.rules

    @property
    def short(self) -> str:
        """The name without the package: ``judgement.verdicts.page_fullness``."""
        return self.name.removeprefix("conformance.")


_CHECKS: dict[str, Check] = {}


def emits(*rule_ids: str, refusals: bool = False) -> Callable[[F], F]:
    """Register the decorated check as able to emit ``rule_ids`` (and, with ``refusals``, the rule
    of every refusal); a KeyError names an id the catalogue does not have."""
    for rule_id in rule_ids:
        rule(rule_id)

    def register(check: F) -> F:
        name = f"{check.__module__}.{check.__qualname__}"
        summary = (check.__doc__ or "").strip().split("\n")[0]
        _CHECKS[name] = Check(name, frozenset(rule_ids), summary, refusals)
        return check

    return register


def rules_of(*checks: Callable[..., Any]) -> frozenset[str]:
    """The rules the given registered checks declare (a refusal's rule is the caller's: the cases
    it refuses); a KeyError names a check not registered."""
    found: set[str] = set()
    for check in checks:
        name = f"{check.__module__}.{check.__qualname__}"
        if name not in _CHECKS:
            raise KeyError(f"{name} is not a registered check (decorate it with @emits)")
        found |= _CHECKS[name].rules
    return frozenset(found)


def checks() -> tuple[Check, ...]:
    """Every registered check, the modules that declare them loaded first."""
    for module in MODULES:
        importlib.import_module(module)
    return tuple(_CHECKS.values())


def checked_by(rule_id: str) -> tuple[Check, ...]:
    """The checks that can emit ``rule_id`` (empty: nothing judges it)."""
    return tuple(check for check in checks() if rule_id in check.emitted)
