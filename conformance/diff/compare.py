"""Two answers to one case compared, and the differences grouped by kind: pure values.

A difference is named by the first aspect of the two shapes that differs (``normalise.ASPECTS``:
accepted or refused before the code, the code before the fields…), the class of input the page
leaves open if the request is one, and the rules one target's own verdict names and the other's
does not. That triple is its kind: a hundred pages that each show the same missing field are one
difference, shown by the smallest request that shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from conformance.diff.asking import Answer
from conformance.diff.normalise import ASPECTS
from conformance.replay import unsigned_query

#: Aspects only a page with jobs (``items``), or with two (``order``), has.
DATA_BOUND = frozenset({"items", "order"})


@dataclass(frozen=True)
class Kind:
    """What sort of difference: the aspect, the open class (None: the page decides), the rules."""

    aspect: str
    left_open: str | None
    rules: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """As the JSON report writes it."""
        return {"aspect": self.aspect, "left_open": self.left_open, "rules": list(self.rules)}


@dataclass(frozen=True)
class Difference:
    """One kind of difference, shown by its smallest case: what was asked (``probe`` and
    ``case``), both answers, the aspects that differ, and how many cases showed this kind."""

    kind: Kind
    probe: str
    case: str
    a: Answer
    b: Answer
    aspects: tuple[str, ...]
    cases: int = 1

    @property
    def size(self) -> int:
        """How big the request is: the smallest case shows a kind."""
        return len(unsigned_query(self.a.exchanges[-1].request))


def differs(a: Answer, b: Answer) -> tuple[Kind, tuple[str, ...]] | None:
    """The kind of difference between two answers to one case, and the aspects that differ; None
    when they agree in contract terms."""
    aspects = tuple(
        name
        for name in ASPECTS
        if a.shape.get(name) != b.shape.get(name)
        # What the data decides (a page with no jobs, or one job) compares nothing.
        and not (name in DATA_BOUND and None in (a.shape.get(name), b.shape.get(name)))
    )
    rules = tuple(sorted(a.rules ^ b.rules))
    if not aspects and not rules:
        return None
    first = aspects[0] if aspects else "verdict"
    # A difference one side's verdict names is that side's deviation, whatever else the page
    # leaves open about the request; one no verdict names is open when the request is.
    # The page says nothing of order, whatever was asked: one kind, however it shows.
    left_open = None if rules else "order" if first == "order" else a.open or b.open
    return Kind(first, left_open, rules), aspects


def grouped(found: Iterable[Difference]) -> list[Difference]:
    """One difference per kind, the smallest request of each, with how many cases showed it; in
    the order the kinds were first seen."""
    kinds: dict[Kind, Difference] = {}
    for difference in found:
        kept = kinds.get(difference.kind)
        if kept is None:
            kinds[difference.kind] = difference
            continue
        smaller = difference if difference.size < kept.size else kept
        kinds[difference.kind] = _counted(smaller, kept.cases + 1)
    return list(kinds.values())


def _counted(difference: Difference, cases: int) -> Difference:
    return Difference(
        difference.kind,
        difference.probe,
        difference.case,
        difference.a,
        difference.b,
        difference.aspects,
        cases,
    )
