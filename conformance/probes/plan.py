"""What a run's request budget pays for, decided once the target's jobs are known.

Requests are the scarce resource against a live target: each is a round trip, a slot under the
rate cap and a unit of the account's API quota. So a run spends its budget in this order:

1. **learning**: the listing pages read at start-up (already spent when the plan is made);
2. **the boundary pass**: every probe's boundary cases (``Probe.examples``: the limits, offsets,
   statuses, job lists, invalid and odd inputs and authentication failures the page and the wire
   sheet name), each sent once and judged by every rule of its probe; the walks of a cross-call
   probe share the listings around them (``batch``). The plan reserves what they cost, so a tight
   budget never shrinks this pass; a budget that cannot pay for it is refused up front
   (``TooSmall``, with the smallest budget that would do);
3. **exploration**: hypothesis-drawn cases, ``EXPLORATION`` of what is left, each probe taking an
   equal part of what is left of that share when its turn comes;
4. **search**: the rest, for confirming what broke and searching out and shrinking a rule that only
   exploration saw broken (a boundary case is minimal by construction and is reported as it is).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from conformance.errors import UsageError
from conformance.probes.run import Probe, Run, listing_cost

#: The part of what the boundary pass leaves that exploration may spend; searches keep the rest.
EXPLORATION = Fraction(2, 3)


class TooSmall(UsageError):
    """A budget that cannot pay for learning and the boundary pass; ``smallest`` would."""

    def __init__(self, budget: int, learning: int, boundary: int, workers: int = 1) -> None:
        if workers == 1:
            self.smallest = learning + boundary
            shared = ""
        else:
            # The controller learns once, then each worker learns and runs the boundary pass.
            self.smallest = learning + workers * (learning + boundary)
            shared = f" in each of {workers} xdist workers"
        super().__init__(
            f"a budget of {budget} request(s) cannot pay for the boundary cases{shared}: "
            f"learning takes {learning} and the boundary pass up to {boundary}; the smallest "
            f"budget that would do is {self.smallest}"
        )


@dataclass
class Plan:
    """The budget's shares: ``learning`` spent, ``boundary`` reserved (an upper bound: each walk
    counted with a page to spare), ``exploration`` and ``search`` what is left, split."""

    budget: int
    learning: int
    boundary: int
    exploration: int
    search: int
    #: What exploration has spent so far, and the probes whose exploration is done.
    explored: int = 0
    done: set[str] = field(default_factory=set)

    def line(self) -> str:
        """One line for the run's header."""
        return (
            f"budget {self.budget} requests: learning {self.learning}, boundary cases up to "
            f"{self.boundary}, exploration {self.exploration}, confirming and searching "
            f"{self.search}"
        )

    def exploring(self, probe: Probe, probes: int) -> int:
        """The requests ``probe``'s exploration may spend: an equal part of what is left of the
        exploration share among the ``probes`` whose exploration has not run yet."""
        left = max(0, self.exploration - self.explored)
        waiting = max(1, probes - len(self.done - {probe.name}))
        return left // waiting

    def owed(self, probes: int) -> int:
        """What exploration may still spend, while some of the ``probes`` have not explored."""
        return max(0, self.exploration - self.explored) if len(self.done) < probes else 0

    def explored_by(self, probe: Probe, spent: int) -> None:
        """``probe``'s exploration is done, having spent ``spent``."""
        self.explored += spent
        self.done.add(probe.name)


def plan(run: Run, probes: tuple[Probe, ...], budget: int, *, workers: int = 1) -> Plan:
    """The plan for ``run`` (its jobs learned) and ``budget``; ``TooSmall`` when the budget cannot
    pay for the boundary pass (in each of ``workers`` xdist workers, which share what learning
    left of it)."""
    learning = run.spent()
    boundary = boundary_cost(run, probes)
    left = budget - learning - boundary
    if workers > 1 and (budget - learning) // workers < learning + boundary:
        raise TooSmall(budget, learning, boundary, workers)
    if left < 0:
        raise TooSmall(budget, learning, boundary)
    exploration = int(left * EXPLORATION)
    return Plan(budget, learning, boundary, exploration, left - exploration)


def boundary_cost(run: Run, probes: tuple[Probe, ...]) -> int:
    """What the boundary pass of ``probes`` may send: one request a case, a walk's pages, and the
    listing each cross-call probe's walks end with (``batch``)."""
    cost = 0
    for probe in probes:
        examples = probe.examples(run)
        if probe.walking is None:
            cost += len(examples)
        elif examples:
            cost += sum(probe.walking.cost(run, case) for case in examples) + listing_cost(run)
    return cost
