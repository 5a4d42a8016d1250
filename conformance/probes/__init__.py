"""The live suite: probes that send hypothesis-drawn requests to a target and judge the answers.

- ``run``: the run every probe works in (client, app, profile, the learned jobs), the shape of a
  probe, and what one survey of a probe saw;
- ``learn``: the job listing learned from the target, and the two listings around a cross-call check;
- one module per probe: ``responses``, ``filters``, ``paging``, ``rejections``, ``oddities``,
  ``authentication``;
- ``exercise``: whether a run could have broken a rule;
- ``search``: each probe once for all its rules, then each broken rule searched out and shrunk.

The verdicts themselves are pure functions in ``conformance.judgement``, shared with the offline
judge. Nothing here imports pytest: the plugin turns findings into test outcomes.
"""

from __future__ import annotations

from conformance.probes.authentication import AUTHENTICATION
from conformance.probes.filters import FILTERS
from conformance.probes.oddities import ODDITIES
from conformance.probes.paging import PAGING
from conformance.probes.rejections import REJECTIONS
from conformance.probes.responses import RESPONSES
from conformance.probes.run import NOT_JUDGED, Probe, Run

PROBES: tuple[Probe, ...] = (RESPONSES, FILTERS, PAGING, REJECTIONS, ODDITIES, AUTHENTICATION)


def probes_for(rule_id: str) -> tuple[Probe, ...]:
    """The probes that can show ``rule_id``, in catalogue order (empty: no probe can)."""
    return tuple(probe for probe in PROBES if rule_id in probe.rules)


__all__ = ["NOT_JUDGED", "PROBES", "Probe", "Run", "probes_for"]
