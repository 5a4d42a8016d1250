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
    """A budget that cannot pay for the boundary pass after what the run sent before it (``spent``:
    learning, and a replay); ``smallest`` would. Each of several xdist ``workers`` learns again
    (``learning``) and runs its own boundary pass."""

    def __init__(
        self, budget: int, spent: int, boundary: int, *, learning: int, workers: int = 0
    ) -> None:
        if not workers:
            self.smallest = spent + boundary
            shared = ""
        else:
            self.smallest = spent + workers * (learning + boundary)
            each = (
                "in the xdist worker, which learns"
                if workers == 1
                else f"in each of {workers} xdist workers, which learn"
            )
            shared = f" {each} again ({learning})"
        super().__init__(
            f"a budget of {budget} request(s) cannot pay for the boundary cases{shared}: the run "
            f"has sent {spent} (learning, and any replay) and the boundary pass needs up to "
            f"{boundary}; the smallest budget that would do is {self.smallest}"
        )


@dataclass
class Plan:
    """The budget's shares: ``learning`` spent (and a replay), ``boundary`` reserved (an upper bound: each walk
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


def plan(run: Run, probes: tuple[Probe, ...], budget: int, *, workers: int = 0) -> Plan:
    """The plan for ``run`` (its jobs learned) and ``budget``; ``TooSmall`` when the budget cannot
    pay for the boundary pass: here, or in each of ``workers`` xdist workers to come (0: none),
    which share what this process left of it."""
    spent = run.spent()
    boundary = boundary_cost(run, probes)
    learning = len(run.universe.exchanges)
    if workers and (budget - spent) // workers < learning + boundary:
        raise TooSmall(budget, spent, boundary, learning=learning, workers=workers)
    left = budget - spent - boundary
    if left < 0:
        raise TooSmall(budget, spent, boundary, learning=learning)
    exploration = int(left * EXPLORATION)
    return Plan(budget, spent, boundary, exploration, left - exploration)


def boundary_cost(run: Run, probes: tuple[Probe, ...]) -> int:
    """What the boundary pass of ``probes`` may send: one request a case, a walk's pages with one
    to spare (a job may arrive meanwhile), the listing each cross-call probe's walks end with
    (``batch``), and one confirmation a probe: a case showing a violation is sent again."""
    cost = 0
    for probe in probes:
        examples = probe.examples(run)
        if not examples:
            continue
        if probe.walking is None:
            cost += len(examples)
        else:
            cost += sum(probe.walking.cost(run, case) for case in examples) + listing_cost(run)
        cost += 1
    return cost
