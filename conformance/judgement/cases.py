"""The kinds of case the suite sends and the judge reads, and the rules each is judged by.

Each set is generated from the checks a case goes through (``conformance.registry``): a rule a check
starts to emit is judged by every kind of case that runs the check. The live probes own these rules
(``conformance.probes``), and the offline judge counts a recorded case of a kind as applying them
(``conformance.cassettes.judge``); a refusal's own rule comes from what is refused.
"""

from __future__ import annotations

from conformance import validate
from conformance.contract import AUTH_FAILURES, INVALID_INPUTS
from conformance.judgement.exchanges import transport_deviations
from conformance.judgement.verdicts import (
    filtered_listing_deviations,
    page_fullness,
    paging_walk_deviations,
    rejection_deviations,
)
from conformance.registry import rules_of

#: A documented request's answer: everything a success page shows, by itself and against the
#: request, and whether it holds all it should.
ANSWER = rules_of(transport_deviations, *validate.SUCCESS_CHECKS, page_fullness)

#: A request the page says is invalid: refused with a well-formed error and the documented code
#: (the rule of each refused class of input, declared in the contract).
REFUSED_INPUT = rules_of(
    transport_deviations, *validate.ERROR_CHECKS, rejection_deviations
) | frozenset(declared.rule for declared in INVALID_INPUTS if not declared.open)

#: A request whose authentication is wrong: refused with a well-formed error and the documented
#: code. Not the transport rules: against a target that takes unsigned requests no such case is
#: judged, and a rule a probe could not judge is not judged at all (``probes.search``), while every
#: other kind of case judges the transport.
REFUSED_AUTH = rules_of(*validate.ERROR_CHECKS, rejection_deviations) | frozenset(
    failure.rule for failure in AUTH_FAILURES.values()
)

#: An input the page leaves open: served or refused, never a crash; served, its page keeps the page
#: bounds; refused, its error is well formed.
ODD = rules_of(transport_deviations, *validate.ERROR_CHECKS, *validate.BOUNDS_CHECKS)

#: A walk of pages with a filter: the matching part of the listing, with its total.
FILTERED_WALK = rules_of(filtered_listing_deviations)

#: A walk of pages of one limit: the listing tiled, with its total.
PAGING_WALK = rules_of(paging_walk_deviations)
