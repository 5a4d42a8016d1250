"""Named, deliberate deviations: each fault breaks one documented behaviour and nothing else.

A fault either turns a knob of the service's ``Policy`` (input handling, paging, filters, auth) or
rewrites a finished success or error document. The toolkit's tests switch them on to show each rule
fires; users switch them on to see what a report looks like. Adding one is one entry in ``FAULTS``.

Within one response, faults that would otherwise trip a second rule are confined to the inputs
where they do not: a ``done with failure`` status only appears when no status filter was asked for,
an extra item never pushes a page past 100, a duplicate replaces an item instead of lengthening the
page. One cannot: ``combined-filters-or`` answers a union, which holds jobs outside one of the two
filters, so its responses also break DCJ-FILTER-001 or DCJ-FILTER-002.

Across calls, what one broken response does to the calls around it is a deviation too, and the
suite reports it: a paging fault also breaks tiling or the page count (``limit-off-by-one`` and
DCJ-PAGE-004, ``offset-off-by-one`` and DCJ-PAGE-006), a filter fault the agreement of filtered and
unfiltered listings (DCJ-FILTER-004, DCJ-PAGE-005), and ``crash-on-negative-offset``'s HTML page
also breaks DCJ-RESP-002. ``rule`` is the rule a fault is about: the suite always names it;
``bystanders`` are the rules it may name beside it, and no others.

Faults combine, rewrites in the order given, and one may undo another: ``missing-total-count``
then ``total-count-is-page-size`` puts a total back, ``directive-not-json`` leaves nothing for a
directive edit to change. The emulator answers all the same; the suite names what is left broken.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from conformance import codes
from conformance.contract import ACTION, FAILED, NEXT, PENDING, SUCCESSFUL
from conformance.emulator.data import Job, format_job_time, job_from_item, parse_job_time
from conformance.emulator.policy import Policy, Query
from conformance.errors import UsageError

Document = dict[str, Any]
SuccessRewrite = Callable[[Document, Query], Document]
ErrorRewrite = Callable[[Document], Document]


@dataclass(frozen=True)
class Fault:
    """One deviation: its name, the catalogue rule it breaks, and how it is made.

    ``bystanders``: the other rules a full suite run may also find broken, because of what the
    fault does to the calls around the one it breaks (each fault below says why). A fault with
    none breaks its rule alone; the toolkit's tests hold every fault to exactly this.
    """

    name: str
    rule: str
    description: str
    policy: Callable[[Policy], Policy] | None = None
    success: SuccessRewrite | None = None
    error: ErrorRewrite | None = None
    bystanders: frozenset[str] = frozenset()


def resolve(faults: Iterable[str | Fault]) -> tuple[Fault, ...]:
    """Faults by name (or as given), in order, each once; ``UsageError`` lists the valid names."""
    chosen: dict[str, Fault] = {}
    for fault in faults:
        if isinstance(fault, Fault):
            chosen.setdefault(fault.name, fault)
            continue
        if fault not in FAULTS:
            raise UsageError(f"unknown fault {fault!r}; valid faults: {', '.join(FAULTS)}")
        chosen.setdefault(fault, FAULTS[fault])
    return tuple(chosen.values())


def policy_of(faults: Iterable[Fault]) -> Policy:
    """The policy a server with these faults follows."""
    policy = Policy()
    for fault in faults:
        if fault.policy is not None:
            policy = fault.policy(policy)
    return policy


def listing() -> list[str]:
    """One line per fault, for ``--list-faults``: name, rule id, description."""
    width = max(len(name) for name in FAULTS)
    return [f"{f.name:<{width}}  {f.rule:<17}  {f.description}" for f in FAULTS.values()]


# --- rewrites of a success document --------------------------------------------------------------


def _items(change: Callable[[Document, Query], None]) -> SuccessRewrite:
    """A rewrite that changes each item of ``job_set`` in place (the document is the fault's copy)."""

    def rewrite(document: Document, query: Query) -> Document:
        for item in document.get("job_set", ()):
            change(item, query)
        return document

    return rewrite


def _directive(change: Callable[[Document, Document], None]) -> Callable[[Document, Query], None]:
    """An item change that edits the decoded directive and writes it back compactly."""

    def edit(item: Document, query: Query) -> None:
        if not isinstance(item["directive"], str):
            return  # another fault made it no string: that is the deviation this item shows
        try:
            directive = json.loads(item["directive"])
        except ValueError:
            return  # another fault made it not JSON: that is the deviation this item shows
        change(directive, item)
        item["directive"] = json.dumps(directive, separators=(",", ":"))

    return edit


def _to_beijing_time(item: Document, query: Query) -> None:
    for name in ("create_time", "status_time"):
        seconds = parse_job_time(item[name])
        if seconds is not None:
            item[name] = format_job_time(seconds + 8 * 3600)[:-1] + "+08:00"


def _done_with_failure(item: Document, query: Query) -> None:
    # Only unfiltered listings: with a status filter the item would also break DCJ-FILTER-001.
    if not query.statuses and item["status"] == FAILED:
        item["status"] = "done with failure"


def _status_time_before_create(item: Document, query: Query) -> None:
    created = parse_job_time(item["create_time"])
    if item["status"] == SUCCESSFUL and created is not None:
        item["status_time"] = format_job_time(created - 3600)


def _directive_as_python_repr(item: Document, query: Query) -> None:
    # What str(dict) gives: single quotes, so not JSON.
    directive = item["directive"]
    item["directive"] = str(json.loads(directive) if isinstance(directive, str) else directive)


def _privilege_as_string(directive: Document, item: Document) -> None:
    directive["sender"]["privilege"] = str(directive["sender"]["privilege"])


def _other_action(directive: Document, item: Document) -> None:
    directive["action"] = (
        "StartClusters" if directive["action"] != "StartClusters" else "StopClusters"
    )


def _extra_node(item: Document, query: Query) -> None:
    # A server that also lists a node the directive does not name. Adding rather than dropping an
    # id keeps resources.clusters within resource_ids (DCJ-CONSIST-003 stays quiet).
    item["resource_ids"] += " cln-" + item["job_id"][-8:]


def _without(name: str) -> Callable[..., Document]:
    # Fits both kinds of rewrite: a success one is also handed the query.
    def rewrite(document: Document, *_: object) -> Document:
        document.pop(name, None)
        return document

    return rewrite


def _ret_code_as_string(document: Document, query: Query) -> Document:
    document["ret_code"] = str(document.get("ret_code", 0))
    return document


def _total_count_as_string(document: Document, query: Query) -> Document:
    if "total_count" in document:  # another fault may have left it out
        document["total_count"] = str(document["total_count"])
    return document


def _other_zone(directive: Document, item: Document) -> None:
    directive["zone"] = "sh1a" if directive["zone"] != "sh1a" else "pek3a"


def _another_cluster(directive: Document, item: Document) -> None:
    # resources.clusters is left as it was, and within resource_ids: only the two lists disagree.
    directive["clusters"] = [*directive["clusters"], "cl-" + item["job_id"][-8:]]


def _directive_decoded(item: Document, query: Query) -> None:
    # Another fault may have made it not JSON: that is then the deviation this item shows.
    with contextlib.suppress(TypeError, ValueError):
        item["directive"] = json.loads(item["directive"])


def _owner_left_out(item: Document, query: Query) -> None:
    del item["owner"]


def _owner_as_number(item: Document, query: Query) -> None:
    item["owner"] = 10001


def _undocumented_field(item: Document, query: Query) -> None:
    item["priority"] = 0


def _total_count_one_short(document: Document, query: Query) -> Document:
    total = document.get("total_count")
    if isinstance(total, int) and total > 0:  # another fault may have left it out or changed it
        document["total_count"] = total - 1
    return document


class _Again(str):
    """A member name written a second time. ``json.dumps`` writes it as its text, and a dict keeps
    it apart from the first one: it equals only itself."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)


def _total_count_twice(document: Document, query: Query) -> Document:
    # The same value again, so whichever one a reader keeps, no other rule is broken.
    if "total_count" in document:
        document[_Again("total_count")] = document["total_count"]
    return document


def _action_without_suffix(document: Document, query: Query) -> Document:
    document["action"] = ACTION
    return document


def _total_count_is_page_size(document: Document, query: Query) -> Document:
    document["total_count"] = len(document["job_set"])
    return document


def _repeat_first_item(document: Document, query: Query) -> Document:
    # Replaces the last item rather than adding one, so the page stays within its limit.
    job_set = document["job_set"]
    if len(job_set) >= 2:
        job_set[-1] = json.loads(json.dumps(job_set[0]))
    return document


# The code a confused server answers instead; the message keeps the token of the right one.
_WRONG_CODES = {
    codes.INVALID_REQUEST_FORMAT: codes.RESOURCE_NOT_FOUND,
    codes.RESOURCE_NOT_FOUND: codes.INVALID_REQUEST_FORMAT,
    codes.INVALID_REQUEST_METHOD: codes.INVALID_REQUEST_FORMAT,
    codes.AUTH_FAILURE: codes.PERMISSION_DENIED,
    codes.REQUEST_HAS_EXPIRED: codes.AUTH_FAILURE,
}


def _wrong_code(document: Document) -> Document:
    document["ret_code"] = _WRONG_CODES.get(document["ret_code"], document["ret_code"])
    return document


# --- across calls --------------------------------------------------------------------------------

#: ``finished-jobs-reopen``: each app's finished jobs, in listing order, are dealt into this many
#: groups, and each group answers as pending for two listings in every four. So every listing sends
#: one group back and brings another on: the two listings around any check (one or two listings
#: apart) see some job go back, and no job changes twice between them, so a filter's listing still
#: agrees with the listings around it.
REOPEN_GROUPS = 4


def is_listing(query: Query) -> bool:
    """A request for the top of a whole listing (no filter, offset 0): what ``reopened`` counts."""
    return not query.job_ids and not query.statuses and query.offset == 0


def reopened(jobs: tuple[Job, ...], listing: int) -> tuple[Job, ...]:
    """``jobs`` as the ``listing``-th listing of a ``finished-jobs-reopen`` server shows them: the
    finished jobs of the groups whose turn it is are pending again, status_time unchanged."""
    position: dict[tuple[str, str], int] = {}
    out = []
    for job in jobs:
        if NEXT.get(job.status) != ():  # not finished (or not a documented status): left alone
            out.append(job)
            continue
        group = (job.zone, job.app)
        phase = position.get(group, 0)
        position[group] = phase + 1
        if (listing + phase % REOPEN_GROUPS) // 2 % 2:
            job = job_from_item(job.app, {**job.item, "status": PENDING})
        out.append(job)
    return tuple(out)


def _knob(**changes: Any) -> Callable[[Policy], Policy]:
    def adjust(policy: Policy) -> Policy:
        return replace(policy, **changes)

    return adjust


_ALL: tuple[Fault, ...] = (
    # response shape
    Fault("missing-total-count", "DCJ-RESP-003", "success responses leave out total_count",
          success=_without("total_count")),
    Fault("total-count-as-string", "DCJ-RESP-004", 'total_count is a string ("161")',
          success=_total_count_as_string),
    Fault("wrong-action-name", "DCJ-RESP-005", "action is DescribeClusterJobs, without Response",
          success=_action_without_suffix),
    Fault("ret-code-as-string", "DCJ-RESP-006", 'success responses carry ret_code "0", a string',
          success=_ret_code_as_string),
    Fault("status-filtered-in-an-array", "DCJ-RESP-001",
          "a status-filtered listing is answered with a JSON array holding the document "
          "(the plain listings the suite learns from stay objects)",
          policy=_knob(status_filter_in_an_array=True)),
    Fault("total-count-twice", "DCJ-RESP-007",
          "success responses name total_count twice (the same value both times)",
          success=_total_count_twice),
    # items
    Fault("missing-owner", "DCJ-ITEM-001", "jobs leave out owner",
          success=_items(_owner_left_out)),
    Fault("owner-as-number", "DCJ-ITEM-002", "owner is a number (10001), not a string",
          success=_items(_owner_as_number)),
    Fault("undocumented-job-field", "DCJ-ITEM-006", "every job also carries priority: 0",
          success=_items(_undocumented_field)),
    Fault("local-time-offset", "DCJ-ITEM-003", "create_time and status_time in +08:00, not Z",
          success=_items(_to_beijing_time)),
    Fault("status-done-with-failure", "DCJ-ITEM-004",
          'failed jobs report status "done with failure" (unfiltered listings only)',
          success=_items(_done_with_failure),
          # The whole listing says "done with failure" where a status filter's listing says
          # "failed": the two disagree, and so does that filter's total_count with the listing.
          bystanders=frozenset({"DCJ-FILTER-004", "DCJ-PAGE-005"})),
    Fault("status-time-before-create", "DCJ-ITEM-007",
          "successful jobs report a status_time an hour before create_time",
          success=_items(_status_time_before_create)),
    Fault("finished-jobs-reopen", "DCJ-ITEM-008",
          "finished jobs take turns answering as pending again, a quarter of them per listing",
          policy=_knob(reopen_finished_jobs=True)),
    # the embedded directive
    Fault("directive-as-object", "DCJ-DIRECTIVE-001",
          "directive is the decoded JSON object, not a string holding it",
          success=_items(_directive_decoded)),
    Fault("directive-not-json", "DCJ-DIRECTIVE-002", "directive is a Python repr (single quotes)",
          success=_items(_directive_as_python_repr)),
    Fault("directive-privilege-string", "DCJ-DIRECTIVE-003",
          'directive.sender.privilege is a string ("10")',
          success=_items(_directive(_privilege_as_string))),
    # cross-field consistency
    Fault("directive-action-mismatch", "DCJ-CONSIST-001",
          "directive.action names another action than job_action",
          success=_items(_directive(_other_action))),
    Fault("resource-ids-mismatch", "DCJ-CONSIST-002",
          "resource_ids also lists a node (cln-…) the directive does not name",
          success=_items(_extra_node)),
    Fault("clusters-mismatch", "DCJ-CONSIST-003",
          "directive.clusters names one more cluster than resources.clusters",
          success=_items(_directive(_another_cluster))),
    Fault("directive-other-zone", "DCJ-CONSIST-004",
          "directive.zone names another zone than the one asked",
          success=_items(_directive(_other_zone))),
    # paging
    Fault("no-cap-at-100", "DCJ-PAGE-001", "limit above 100 returns more than 100 jobs",
          policy=_knob(max_limit=None)),
    Fault("limit-off-by-one", "DCJ-PAGE-002",
          "an explicit limit returns limit+1 jobs (never more than 100)",
          policy=_knob(extra_item=True),
          # A walk with an explicit limit sees each page's extra job again on the next page.
          bystanders=frozenset({"DCJ-PAGE-004"})),
    Fault("offset-off-by-one", "DCJ-PAGE-004", "a non-zero offset skips one job too many",
          policy=_knob(skip_extra=True),
          # Near the end of the listing a page without limit holds one job fewer than remain.
          bystanders=frozenset({"DCJ-PAGE-006"})),
    Fault("total-count-is-page-size", "DCJ-PAGE-005",
          "total_count is the number of jobs on the page, not of all matches",
          success=_total_count_is_page_size,
          # Past the first page, total_count says fewer jobs are left than the page holds.
          bystanders=frozenset({"DCJ-PAGE-004"})),
    Fault("total-count-one-short", "DCJ-PAGE-003",
          "total_count counts one job fewer than match (so a page of all of them holds more)",
          success=_total_count_one_short,
          # The total disagrees with the listing, and the last page of a walk holds one job more
          # than the total leaves.
          bystanders=frozenset({"DCJ-PAGE-004", "DCJ-PAGE-005"})),
    Fault("default-limit-10", "DCJ-PAGE-006", "without limit a page holds 10 jobs, not 20",
          policy=_knob(default_limit=10)),
    # filters
    Fault("status-filter-ignored", "DCJ-FILTER-001", "status.n is ignored",
          policy=_knob(filter_status=False),
          # The filtered listing is the whole one, and its total_count counts every job.
          bystanders=frozenset({"DCJ-FILTER-004", "DCJ-PAGE-005"})),
    Fault("jobs-filter-ignored", "DCJ-FILTER-002",
          "jobs.n is ignored (unknown ids are still rejected)",
          policy=_knob(filter_jobs=False),
          # The filtered listing is the whole one, and its total_count counts every job.
          bystanders=frozenset({"DCJ-FILTER-004", "DCJ-PAGE-005"})),
    Fault("duplicate-job", "DCJ-FILTER-003",
          "a page of two or more jobs repeats its first job in place of its last",
          success=_repeat_first_item,
          # The job the repeat replaces is on no page of a walk, nor in a job filter's listing.
          bystanders=frozenset({"DCJ-FILTER-004", "DCJ-PAGE-004"})),
    Fault("combined-filters-or", "DCJ-FILTER-004",
          "status.n and jobs.n together match either, not both",
          policy=_knob(combine_filters_with_or=True),
          # The union holds jobs outside one of the two filters, and total_count counts them.
          bystanders=frozenset({"DCJ-FILTER-001", "DCJ-FILTER-002", "DCJ-PAGE-005"})),
    # input validation
    Fault("app-not-required", "DCJ-INPUT-001",
          "a request without app lists every app's jobs in the zone",
          policy=_knob(require_app=False)),
    Fault("illegal-status-accepted", "DCJ-INPUT-002", "an illegal status value is dropped, not rejected",
          policy=_knob(reject_illegal_status=False)),
    Fault("unknown-job-empty-list", "DCJ-INPUT-003",
          "an unknown job id matches nothing instead of an error",
          policy=_knob(unknown_job_is_error=False)),
    Fault("non-integer-limit-accepted", "DCJ-INPUT-004",
          "a non-integer limit is taken as the default instead of an error",
          policy=_knob(reject_non_integer_limit=False)),
    # errors and robustness
    Fault("error-without-message", "DCJ-ERROR-001", "error responses have ret_code but no message",
          error=_without("message")),
    Fault("wrong-error-code", "DCJ-ERROR-002",
          "errors carry another code (1100 as 2100, 2100 as 1100, 1200 as 1400…)",
          error=_wrong_code),
    Fault("crash-on-negative-offset", "DCJ-ROBUST-001",
          "a negative offset answers HTTP 500 with an HTML page",
          policy=_knob(crash_on_negative_offset=True),
          # The HTML page is HTTP 500 and text/html: the suite shows DCJ-RESP-002 with it alone.
          bystanders=frozenset({"DCJ-RESP-002"})),
    # authentication
    Fault("signature-not-checked", "DCJ-AUTH-001", "a wrong or missing signature is accepted",
          policy=_knob(check_signature=False)),
    Fault("unknown-key-accepted", "DCJ-AUTH-002", "an unknown access_key_id is accepted",
          policy=_knob(check_access_key=False)),
    Fault("stale-timestamp-accepted", "DCJ-AUTH-003",
          "time_stamp and expires are not checked",
          policy=_knob(check_time=False)),
)  # fmt: skip

FAULTS: dict[str, Fault] = {fault.name: fault for fault in _ALL}
