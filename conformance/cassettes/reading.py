"""Reading recordings once: a recording repeats itself (a suite replays each probe's cases for every
rule), so each distinct request is decoded once, each distinct answer parsed once, and each listing's
jobs read once; a repeat costs a query parse and a dict lookup."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from conformance.cassettes.classify import Asked, classify
from conformance.cassettes.interaction import request_pairs, to_response
from conformance.cassettes.match import IGNORED
from conformance.exchange import Response
from conformance.judgement.listing import has_job_id, is_listing

# The parameters matching ignores, as they appear in a raw query: a cache key without them.
# (Matched after a "&" put in front of the text: a literal first character makes the search fast.)
_SIGNING_TEXT = re.compile(r"&(?:" + "|".join(sorted(IGNORED)) + r")=[^&]*")


class Reader:
    """The caches of one judgement: requests by text, answers by content, listings by answer."""

    def __init__(self) -> None:
        self._asked: dict[tuple[tuple[str, str], ...], Asked] = {}
        self._responses: dict[tuple[int, Any, str], Response] = {}
        self._parsed: dict[tuple[str, str], tuple[str, Asked]] = {}
        self._listed: dict[int, tuple[tuple[str, str], ...] | None] = {}

    def parse(self, request: Mapping[str, Any]) -> tuple[str, Asked]:
        """The action and the decoded request. Cached on the request's text without the signing
        parameters, which is all that differs between most recorded requests."""
        method = str(request["method"]).upper()
        body = request.get("body")
        text = (
            (body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or ""))
            if method == "POST"
            else request["uri"].partition("?")[2].partition("#")[0]
        )
        cache_key = (method, _SIGNING_TEXT.sub("", "&" + text))
        parsed = self._parsed.get(cache_key)
        if parsed is None:
            pairs = request_pairs(request)
            action = next((value for name, value in pairs if name == "action"), "(no action)")
            stripped = tuple(pair for pair in pairs if pair[0] not in IGNORED)
            asked = self._asked.get(stripped)
            if asked is None:
                asked = self._asked[stripped] = classify(stripped)
            parsed = self._parsed[cache_key] = (action, asked)
        return parsed

    def response(self, raw: Mapping[str, Any]) -> Response:
        """One ``Response`` per distinct answer, so a repeated body is parsed once."""
        body = raw["body"]["string"]
        headers = raw.get("headers") or {}
        # Nearly always spelled so; any other spelling is looked up without regard to case.
        listed = headers.get("Content-Type")
        content_type = (
            str(listed[0])
            if isinstance(listed, list) and listed
            else _first(headers, "content-type")
        )
        cache_key = (raw["status"]["code"], body, content_type)
        response = self._responses.get(cache_key)
        if response is None:
            response = self._responses[cache_key] = to_response(raw)
        return response

    def jobs_of(self, response: Response) -> tuple[tuple[str, str], ...] | None:
        """A listing's jobs as (job_id, status), once per distinct response; None: not a listing."""
        listed = self._listed.get(id(response), ())
        if listed == ():
            document = response.document
            listed = (
                tuple(
                    (job["job_id"], str(job.get("status")))
                    for job in document["job_set"]
                    if has_job_id(job)
                )
                if is_listing(document)
                else None
            )
            self._listed[id(response)] = listed
        return listed


def _first(headers: Mapping[str, Any], name: str) -> str:
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name:
            return str(value[0] if isinstance(value, list) and value else value)
    return ""
