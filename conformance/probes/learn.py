"""Learning the job universe from the target itself: the suite brings no fixtures.

It lists the app's jobs (at most ``max_pages`` pages of 100) and draws its requests from what it
found; a cross-call probe runs its check between two such listings (``bracketed``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from conformance import codes
from conformance.client import Client
from conformance.errors import TargetError
from conformance.exchange import Exchange
from conformance.jsontext import is_int
from conformance.judgement.listing import PAGE, Bracket, Universe, is_listing, read_page
from conformance.judgement.verdicts import listing_ends
from conformance.stopping import unusable


def learn(client: Client, app: str, *, max_pages: int) -> Universe:
    """List ``app``'s jobs, ``PAGE`` at a time, at most ``max_pages`` pages.

    Raises ``TargetError`` when the target does not answer the plain listing with a success: no
    check can run against a target that cannot list.
    """
    statuses: dict[str, str] = {}
    exchanges: list[Exchange] = []
    total = 0
    for page in range(max_pages):
        exchange = client.call({"app": app, "limit": PAGE, "offset": page * PAGE})
        exchanges.append(exchange)
        total, size, listed = read_page(_listing(exchange, app, client))
        for job_id, status in listed:
            statuses.setdefault(job_id, status)
        if listing_ends(offset=page * PAGE, limit=PAGE, size=size, total=total):
            # The last page was reached, but only seeing every job makes the listing complete: a
            # server that skips or repeats jobs across pages (or data that moved) leaves gaps.
            complete = len(statuses) >= total
            return Universe(app, statuses, total, complete=complete, exchanges=tuple(exchanges))
    return Universe(
        app, statuses, total, complete=len(statuses) >= total, exchanges=tuple(exchanges)
    )


def _listing(exchange: Exchange, app: str, client: Client) -> dict[str, Any]:
    """The page's document, to learn from even when it breaks the contract (the checks judge that:
    a ``ret_code`` of ``"0"`` is a deviation, not a reason to give up). Only an answer that is no
    listing at all ends the run: not the API (not a JSON object), or an error (wrong credentials, an
    unknown app)."""
    document = exchange.response.document
    if isinstance(document, dict) and (
        isinstance(document.get("job_set"), list) or not is_int(document.get("ret_code"))
    ):
        return document
    where = client.target.name
    why = unusable(exchange.response)
    if why is not None:
        raise _stop(client, f"{where} is not a QingCloud API: its answer to a listing is {why}")
    ret_code = document.get("ret_code")
    hint = (
        " (check the credentials)"
        if ret_code in {codes.AUTH_FAILURE, codes.REQUEST_HAS_EXPIRED}
        else ""
    )
    # The code's documented token, not the server's message: a message echoes what it was sent
    # (QingCloud's own says "access key [QY…] is not known"), and this line reaches a CI log.
    token = codes.TOKENS.get(ret_code, "an undocumented code") if is_int(ret_code) else "?"
    raise _stop(
        client, f"{where} refused to list the jobs of {app}: ret_code {ret_code} ({token}){hint}"
    )


def _stop(client: Client, reason: str) -> BaseException:
    # Mid-run (a bracket's listing) this ends the run like any other; at start-up the plugin turns
    # either into one line and exit status 4.
    return client.stopper.stop(reason) if client.stopper is not None else TargetError(reason)


def walk(client: Client, params: Mapping[str, Any], *, limit: int, pages: int) -> list[Exchange]:
    """The pages of ``params`` at ``limit``, from offset 0, until the listing ends, an answer is no
    listing, or ``pages`` pages were read: the walk a cross-call check compares with its bracket."""
    walked: list[Exchange] = []
    for page in range(pages):
        exchange = client.call({**params, "limit": limit, "offset": page * limit})
        walked.append(exchange)
        document = exchange.response.document
        if not is_listing(document) or listing_ends(
            offset=page * limit,
            limit=limit,
            size=len(document["job_set"]),
            total=document["total_count"],
        ):
            break
    return walked


def bracketed(
    client: Client, app: str, *, max_pages: int, check: Callable[[], Iterable[Any]]
) -> tuple[Bracket, list[Any]]:
    """Run ``check`` between two listings; return the bracket and what the check returned."""
    before = learn(client, app, max_pages=max_pages)
    result = list(check())
    after = learn(client, app, max_pages=max_pages)
    return Bracket(before, after), result
