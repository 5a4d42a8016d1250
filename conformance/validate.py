"""The validation engine: what one response can show about its conformance, as Deviation values.

``validate_response`` checks a body against the schemas, decodes and checks every embedded directive,
and applies the rules a single response can be judged by (field consistency, paging bounds, filters).
Rules that need several calls live with the suite; this module never raises on a bad body.

Speed: a conformant response is the common case, so each document is first asked jsonschema-rs's
yes/no question; only when the answer is no does python-jsonschema walk it again to explain where and
why. A response is explained in parts: the envelope, then only the jobs jsonschema-rs rejects, so one
bad job among a hundred costs one job's explanation, not the page's. See benchmarks/bench_validate.py
for the figures behind both choices.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Container, Generator, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import jsonschema

from conformance import codes, schemas
from conformance.contract import DEFAULT_LIMIT, FILTERS, JOBS, LIMIT, MAX_LIMIT, STATUS
from conformance.deviation import Deviation, Profile
from conformance.documented import Citation, parse_reference
from conformance.jsontext import (
    MAX_DEPTH,
    canonical,
    duplicate_members,
    is_int,
    loads,
    nested_deeper,
)
from conformance.registry import emits
from conformance.rules import rule

# The filters in rule order: a job outside two of them is reported in the order rules are listed.
_FILTERS = sorted(FILTERS, key=lambda declared: declared.rule)
_UNREQUESTED = {
    STATUS.field: "a job with an unrequested status",
    JOBS.field: "a job that was not requested",
}

# The default rule of a schema error, by the part of the document it is in and whether a field is
# missing or malformed. A subschema's "x-rule" annotation names a more specific rule.
_MISSING = {"response": "DCJ-RESP-003", "item": "DCJ-ITEM-001"}
_MALFORMED = {"response": "DCJ-RESP-004", "item": "DCJ-ITEM-002"}
_WHOLE_DOCUMENT_RULE = {
    "directive": "DCJ-DIRECTIVE-003",
    "error": "DCJ-ERROR-001",
    "request": "DCJ-REQUEST-001",
}

Path = Sequence[str | int]


def _annotated_rules(*names: str) -> frozenset[str]:
    """The rules a schema error in documents ``names`` can be reported under: the defaults above
    and every ``x-rule`` annotation the documents hold."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("x-rule"), str):
                found.add(node["x-rule"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for name in names:
        walk(schemas.document(name))
    return frozenset(found)


# A success response's schema errors: the response and its job items (their directive is decoded
# and judged by ``_directive``).
_SUCCESS_SCHEMA_RULES = frozenset(
    {*_MISSING.values(), *_MALFORMED.values(), *_annotated_rules("response", "job")}
)


def validate_response(
    body: bytes | str | object,
    request: Mapping[str, Any] | None = None,
    *,
    profile: Profile = Profile.DOCUMENTED,
) -> list[Deviation]:
    """Every deviation in one response body, in document order.

    ``body`` as bytes or str is parsed as JSON; anything else is taken as already parsed. ``request``
    is the decoded parameters it answered (``wire.decode(...).params``): with it, the paging and
    filter rules and the zone can be checked too.
    """
    return list(iter_response_deviations(body, request, profile=profile))


@emits("DCJ-RESP-001", "DCJ-RESP-007")
def iter_response_deviations(
    body: bytes | str | object,
    request: Mapping[str, Any] | None = None,
    *,
    profile: Profile = Profile.DOCUMENTED,
) -> Iterator[Deviation]:
    """``validate_response`` as a generator."""
    document, problems = _parse(body, profile)
    yield from problems
    if document is _UNREADABLE:
        return
    if not isinstance(document, dict):
        yield _deviation(
            "DCJ-RESP-001",
            profile,
            "",
            "the body is JSON but not an object",
            expected="a JSON object",
            actual=type(document).__name__,
        )
        return
    if is_error_body(document):
        yield from _error_deviations(document, profile)
    else:
        yield from _success_deviations(
            document, request or {}, profile, has_request=request is not None
        )


@emits(_WHOLE_DOCUMENT_RULE["request"])
def validate_request(
    params: Mapping[str, Any], *, profile: Profile = Profile.DOCUMENTED
) -> list[Deviation]:
    """How decoded request parameters depart from the documented request (for reports, never fatal)."""
    if schemas.fast_validator("request").is_valid(dict(params)):
        return []
    return list(_schema_deviations("request", dict(params), profile))


def is_error_body(document: Mapping[str, Any]) -> bool:
    """A body is an API error when its ret_code is an integer other than 0."""
    ret_code = document.get("ret_code")
    if isinstance(ret_code, int) and not isinstance(ret_code, bool):
        return ret_code != 0
    # A malformed ret_code: judge the body by its shape, an error's or a success's.
    return "message" in document and "action" not in document and "job_set" not in document


def _loads_or_none(text: str) -> Any:
    try:
        return loads(text)
    except (ValueError, RecursionError):
        return None


_UNREADABLE = object()


def _parse(body: bytes | str | object, profile: Profile) -> tuple[object, list[Deviation]]:
    """The document to judge (``_UNREADABLE`` when there is none) and what its text shows."""
    if not isinstance(body, bytes | str):
        if nested_deeper(body):
            return _UNREADABLE, [
                _too_deep("DCJ-RESP-001", profile, "", "the body", type(body).__name__)
            ]
        return body, []
    try:
        document = loads(body)
    except (ValueError, RecursionError) as error:
        where = (
            f" ({error.msg} at line {error.lineno}, column {error.colno})"
            if isinstance(error, json.JSONDecodeError)
            else f" ({error})"
        )
        deviation = _deviation(
            "DCJ-RESP-001",
            profile,
            "",
            f"the body is not JSON{where}",
            expected="a JSON object",
            actual=_excerpt(body),
        )
        return _UNREADABLE, [deviation]
    # The common case costs one re-serialisation: a body written as orjson writes it has no
    # repeated member and no absurd nesting. Only other spellings are read again, carefully.
    if canonical(document, _utf8(body)):
        return document, []
    if nested_deeper(document):
        return _UNREADABLE, [_too_deep("DCJ-RESP-001", profile, "", "the body", _excerpt(body))]
    return document, list(_repeated_members(body, profile, ""))


def _utf8(text: bytes | str) -> bytes:
    if isinstance(text, bytes):
        return text
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: never what orjson writes
        return b""


def _too_deep(rule_id: str, profile: Profile, pointer: str, what: str, actual: object) -> Deviation:
    return _deviation(
        rule_id,
        profile,
        pointer,
        f"{what} nests arrays and objects more than {MAX_DEPTH} levels deep",
        expected="a JSON object nested as documented (a few levels)",
        actual=actual,
    )


def _repeated_members(text: bytes | str, profile: Profile, pointer: str) -> Iterator[Deviation]:
    """RESP-007 for every member named twice in one object of ``text`` (at ``pointer``, when
    ``text`` is a document embedded in a string there)."""
    for repeat in duplicate_members(text):
        inner = _pointer((*repeat.path, repeat.name))
        yield _deviation(
            "DCJ-RESP-007",
            profile,
            pointer or inner,
            f"{repeat.name!r} is named {len(repeat.values)} times in one object: readers differ "
            "on which value counts",
            expected="each member named once",
            actual=_sample(list(repeat.values)),
            inner_pointer=inner if pointer else "",
        )


# --- success responses ---------------------------------------------------------------------------


@emits(*_SUCCESS_SCHEMA_RULES)
def _success_deviations(
    document: dict[str, Any], request: Mapping[str, Any], profile: Profile, *, has_request: bool
) -> Iterator[Deviation]:
    misshapen: Container[int] = ()
    if not schemas.fast_validator("response").is_valid(document):
        misshapen = yield from _response_schema_deviations(document, profile)
    jobs = document.get("job_set")
    if not isinstance(jobs, list):
        return
    items = [(index, item) for index, item in enumerate(jobs) if isinstance(item, dict)]
    yield from _undocumented_fields(items, profile)
    zone = request.get("zone") if isinstance(request.get("zone"), str) else None
    for index, item in items:
        text = item.get("directive")
        if index not in misshapen and isinstance(text, str):
            # The common case, kept lean: the schemas have proved every type of this job the
            # consistency rules read, so only a job that looks inconsistent takes the careful path.
            decoded = _valid_directive(text)
            if decoded is not None and _plainly_consistent(item, decoded, zone):
                continue
        directive = yield from _directive(index, item, profile)
        yield from _item_consistency(index, item, directive, zone, profile)
    yield from _paging(document, jobs, request, profile, has_request=has_request)
    yield from _filters(items, request, profile)


@functools.lru_cache(maxsize=4096)
def _valid_directive(text: str) -> Any:
    """The directive decoded when the directive schema accepts it, else None.

    Memoised: a job comes back, directive and all, on every page that lists it. The decoded
    document is shared, so it is only read.
    """
    decoded = _loads_or_none(text)
    if not canonical(decoded, _utf8(text)):
        return None  # spelled otherwise: maybe a repeated member, maybe only spaces; look closer
    return decoded if schemas.fast_validator("directive").is_valid(decoded) else None


def _plainly_consistent(item: Mapping[str, Any], directive: Any, zone: str | None) -> bool:
    """True when a schema-valid job and its schema-valid directive agree; False means "look closer"."""
    created, changed = item["create_time"], item["status_time"]
    # Same-length Z times compare correctly as text; anything else goes the careful way.
    if len(created) != len(changed) or changed < created:
        return False
    job_action = item.get("job_action")
    if job_action is not None and job_action != directive["action"]:
        return False
    listed, declared = item["resource_ids"].split(), directive["resource_ids"]
    if listed != declared and sorted(listed) != sorted(declared):
        return False
    clusters, directed = item["resources"]["clusters"], directive["clusters"]
    if clusters != directed and sorted(clusters) != sorted(directed):
        return False
    # Nearly always the very same list: one comparison instead of a lookup per cluster.
    if clusters != listed and not set(clusters).issubset(listed):
        return False
    return zone is None or directive["zone"] == zone


@emits("DCJ-ITEM-006")
def _undocumented_fields(
    items: Iterable[tuple[int, dict[str, Any]]], profile: Profile
) -> Iterator[Deviation]:
    # Reported once per field name, not once per job: a server that adds a field adds it to every job.
    documented = schemas.schema("job")["properties"].keys()
    first_seen: dict[str, int] = {}
    count: Counter[str] = Counter()
    total = 0
    for index, item in items:
        total += 1
        if item.keys() <= documented:  # the common case, decided without building a set
            continue
        for name in item.keys() - documented:
            first_seen.setdefault(name, index)
            count[name] += 1
    for name in sorted(first_seen):
        yield _deviation(
            "DCJ-ITEM-006",
            profile,
            f"/job_set/{first_seen[name]}/{_escape(name)}",
            f"job field {name!r} is not documented (in {count[name]} of {total} jobs)",
            expected=sorted(documented),
            actual=name,
        )


@emits("DCJ-DIRECTIVE-002", _WHOLE_DOCUMENT_RULE["directive"], "DCJ-RESP-007")
def _directive(
    index: int, item: Mapping[str, Any], profile: Profile
) -> Generator[Deviation, None, dict[str, Any] | None]:
    """Decode and check one item's directive; the generator's return value is the decoded object."""
    text = item.get("directive")
    if not isinstance(text, str):
        return None  # missing or not a string: the schema has said so (DCJ-ITEM-001, DCJ-DIRECTIVE-001)
    pointer = f"/job_set/{index}/directive"
    try:
        decoded = loads(text)
    except (ValueError, RecursionError) as error:
        detail = (
            f": {error.msg} at column {error.colno}"
            if isinstance(error, json.JSONDecodeError)
            else ""
        )
        yield _deviation(
            "DCJ-DIRECTIVE-002",
            profile,
            pointer,
            f"directive is not JSON{detail}",
            expected="a JSON object in a string",
            actual=_excerpt(text),
        )
        return None
    if not canonical(decoded, _utf8(text)):
        if nested_deeper(decoded):
            yield _too_deep("DCJ-DIRECTIVE-002", profile, pointer, "directive", _excerpt(text))
            return None
        yield from _repeated_members(text, profile, pointer)
    if not schemas.fast_validator("directive").is_valid(decoded):
        for deviation in _schema_deviations("directive", decoded, profile):
            yield _nest(deviation, pointer)
    return decoded if isinstance(decoded, dict) else None


@emits("DCJ-ITEM-007", "DCJ-CONSIST-001", "DCJ-CONSIST-002", "DCJ-CONSIST-003", "DCJ-CONSIST-004")
def _item_consistency(
    index: int,
    item: Mapping[str, Any],
    directive: Mapping[str, Any] | None,
    zone: str | None,
    profile: Profile,
) -> Iterator[Deviation]:
    at = f"/job_set/{index}"
    created, changed = _time(item.get("create_time")), _time(item.get("status_time"))
    if created is not None and changed is not None and changed < created:
        yield _deviation(
            "DCJ-ITEM-007",
            profile,
            f"{at}/status_time",
            "the status changed before the job was created",
            expected=f">= {item['create_time']}",
            actual=item["status_time"],
        )
    if directive is None:
        return
    action, job_action = directive.get("action"), item.get("job_action")
    if isinstance(action, str) and isinstance(job_action, str) and action != job_action:
        yield _deviation(
            "DCJ-CONSIST-001",
            profile,
            f"{at}/job_action",
            "job_action differs from the directive's action",
            expected=action,
            actual=job_action,
        )
    listed, declared = _words(item.get("resource_ids")), _strings(directive.get("resource_ids"))
    if listed is not None and declared is not None and sorted(listed) != sorted(declared):
        yield _deviation(
            "DCJ-CONSIST-002",
            profile,
            f"{at}/resource_ids",
            "resource_ids does not list the directive's resource_ids",
            expected=" ".join(declared),
            actual=item.get("resource_ids"),
        )
    resources = item.get("resources")
    clusters = _strings(resources.get("clusters")) if isinstance(resources, dict) else None
    directed = _strings(directive.get("clusters"))
    if clusters is not None and directed is not None and sorted(clusters) != sorted(directed):
        yield _deviation(
            "DCJ-CONSIST-003",
            profile,
            f"{at}/resources/clusters",
            "resources.clusters differs from the directive's clusters",
            expected=directed,
            actual=clusters,
        )
    if clusters is not None and listed is not None and not set(clusters) <= set(listed):
        yield _deviation(
            "DCJ-CONSIST-003",
            profile,
            f"{at}/resources/clusters",
            "resources.clusters names a cluster that resource_ids does not",
            expected=f"a subset of {listed}",
            actual=clusters,
        )
    directed_zone = directive.get("zone")
    if zone is not None and isinstance(directed_zone, str) and directed_zone != zone:
        yield _deviation(
            "DCJ-CONSIST-004",
            profile,
            f"{at}/directive",
            "the directive is for another zone",
            expected=zone,
            actual=directed_zone,
            inner_pointer="/zone",
        )


@emits("DCJ-PAGE-001", "DCJ-PAGE-002", "DCJ-PAGE-003")
def _paging(
    document: Mapping[str, Any],
    jobs: list[Any],
    request: Mapping[str, Any],
    profile: Profile,
    *,
    has_request: bool,
) -> Iterator[Deviation]:
    returned = len(jobs)
    if returned > MAX_LIMIT:
        yield _deviation(
            "DCJ-PAGE-001",
            profile,
            "/job_set",
            f"the response holds {returned} jobs",
            expected=f"at most {MAX_LIMIT}",
            actual=returned,
        )
    limit = request.get(LIMIT.name, DEFAULT_LIMIT) if has_request else None
    if is_int(limit) and 1 <= limit < returned and (limit < MAX_LIMIT or returned <= MAX_LIMIT):
        yield _deviation(
            "DCJ-PAGE-002",
            profile,
            "/job_set",
            f"the response holds {returned} jobs for limit={limit}"
            + ("" if LIMIT.name in request else f" (no limit: the default is {DEFAULT_LIMIT})"),
            expected=f"at most {limit}",
            actual=returned,
        )
    total = document.get("total_count")
    if is_int(total) and total < returned:
        yield _deviation(
            "DCJ-PAGE-003",
            profile,
            "/total_count",
            f"total_count is {total} but {returned} jobs were returned",
            expected=f">= {returned}",
            actual=total,
        )


@emits(*(declared.rule for declared in FILTERS), "DCJ-FILTER-003")
def _filters(
    items: list[tuple[int, dict[str, Any]]], request: Mapping[str, Any], profile: Profile
) -> Iterator[Deviation]:
    asked = [
        (declared, wanted)
        for declared in _FILTERS
        if (wanted := _strings(request.get(declared.parameter)))
    ]
    identity = JOBS.field  # what makes two items the same job
    if not asked:
        # Unfiltered, only a repeated job can be wrong: one set says whether any is.
        listed = [item.get(identity) for _, item in items]
        named = [job_id for job_id in listed if isinstance(job_id, str)]
        if len(set(named)) == len(named):
            return
    seen: dict[Any, int] = {}
    for index, item in items:
        for declared, wanted in asked:
            value = item.get(declared.field)
            if isinstance(value, str) and value not in wanted:
                yield _deviation(
                    declared.rule,
                    profile,
                    f"/job_set/{index}/{declared.field}",
                    _UNREQUESTED[declared.field],
                    expected=wanted,
                    actual=value,
                )
        job_id = item.get(identity)
        if isinstance(job_id, str):
            if job_id in seen:
                yield _deviation(
                    "DCJ-FILTER-003",
                    profile,
                    f"/job_set/{index}/{identity}",
                    f"job {job_id} appears again (first at /job_set/{seen[job_id]})",
                    expected="each job once",
                    actual=job_id,
                )
            seen.setdefault(job_id, index)


# --- error responses -----------------------------------------------------------------------------


@emits(_WHOLE_DOCUMENT_RULE["error"], "DCJ-ERROR-002")
def _error_deviations(document: dict[str, Any], profile: Profile) -> Iterator[Deviation]:
    if not schemas.fast_validator("error").is_valid(document):
        yield from _schema_deviations("error", document, profile)
    message, ret_code = document.get("message"), document["ret_code"]
    token = codes.TOKENS.get(ret_code)
    if (
        token is not None
        and isinstance(message, str)
        and message
        and not message.startswith(f"{token}, ")
    ):
        yield _deviation(
            "DCJ-ERROR-002",
            profile,
            "/message",
            f"an error with ret_code {ret_code} does not start with its token",
            expected=f"{token}, …",
            actual=message,
        )


# The checks an answer of each kind goes through, for ``registry.rules_of``: which rules a success
# page, an error, and the page bounds (which hold whatever was asked) can break.
SUCCESS_CHECKS = (
    iter_response_deviations,
    _success_deviations,
    _undocumented_fields,
    _directive,
    _item_consistency,
    _paging,
    _filters,
)
ERROR_CHECKS = (_error_deviations,)
BOUNDS_CHECKS = (_paging,)

# --- schema errors as deviations -----------------------------------------------------------------


Located = tuple[tuple[str | int, ...], jsonschema.ValidationError]


def _schema_deviations(name: str, instance: object, profile: Profile) -> Iterator[Deviation]:
    return _explained(name, _located(name, instance), profile)


def _located(name: str, instance: object, at: tuple[str | int, ...] = ()) -> Iterator[Located]:
    """python-jsonschema's errors for ``instance`` under schema ``name``, each with its path from
    the root of the document ``instance`` sits at ``at`` in."""
    for error in schemas.validator(name).iter_errors(instance):
        yield (*at, *error.absolute_path), error


@functools.cache
def _job_schema() -> str | None:
    """The schema every job_set item is checked against, when the response schema lets the envelope
    and each job be explained apart with the same result as the whole body; else None.

    That holds while the response schema judges each member on its own (nothing such as
    ``minItems`` or ``if`` reads job_set as a whole) and an item is one whole schema document: then
    an error at /job_set/N/… comes from the item's schema alone, and every other error is the same
    whether job_set holds its jobs or none.
    """
    annotations = {"$schema", "$id", "$comment", "title", "description"}
    response = schemas.schema("response")
    job_set = response.get("properties", {}).get("job_set")
    if not response.keys() <= {*annotations, "type", "required", "properties"}:
        return None
    if not isinstance(job_set, dict) or not job_set.keys() <= {*annotations, "type", "items"}:
        return None
    items = job_set.get("items")
    reference = items.get("$ref") if isinstance(items, dict) and len(items) == 1 else None
    name = reference.removesuffix(".json") if isinstance(reference, str) else None
    return name if name in schemas.SCHEMA_NAMES else None


def _response_schema_deviations(
    document: dict[str, Any], profile: Profile
) -> Generator[Deviation, None, Container[int]]:
    """A rejected success body explained in parts: the envelope with job_set emptied, then each
    job jsonschema-rs rejects, each path re-rooted at /job_set/N. The same deviations, in the same
    order, as explaining the whole body (``_schema_deviations``), at the cost of the parts that
    failed. The generator's return value is the indices of the jobs the schemas reject."""
    jobs, item_schema = document.get("job_set"), _job_schema()
    if not isinstance(jobs, list) or item_schema is None:
        yield from _schema_deviations("response", document, profile)
        return range(len(jobs)) if isinstance(jobs, list) else ()
    errors: list[Located] = []
    envelope = {**document, "job_set": []}
    if not schemas.fast_validator("response").is_valid(envelope):
        errors.extend(_located("response", envelope))
    fast = schemas.fast_validator(item_schema)
    rejected = [index for index, item in enumerate(jobs) if not fast.is_valid(item)]
    for index in rejected:
        errors.extend(_located(item_schema, jobs[index], ("job_set", index)))
    yield from _explained("response", errors, profile)
    return frozenset(rejected)


def _explained(name: str, located: Iterable[Located], profile: Profile) -> Iterator[Deviation]:
    """python-jsonschema's errors for a document under schema ``name`` as deviations, by path."""
    errors = sorted(located, key=lambda pair: [str(step) for step in pair[0]])
    # One deviation per place: a value of the wrong type also fails its const/enum/pattern, which
    # would only repeat the same news.
    mistyped = {path for path, e in errors if e.validator == "type"}
    # jsonschema yields one "required" error per missing field, each carrying the whole list.
    required_seen: set[tuple[str | int, ...]] = set()
    for path, error in errors:
        if error.validator != "type" and path in mistyped:
            continue
        if error.validator == "required":
            if path in required_seen:
                continue
            required_seen.add(path)
            present = error.instance.keys() if isinstance(error.instance, dict) else ()
            # Always a list of names: check_schema has proved it; the check tells mypy.
            required = error.validator_value if isinstance(error.validator_value, list) else []
            for missing in (field for field in required if field not in present):
                yield _from_schema_error(name, error, (*path, missing), profile, missing=True)
        else:
            yield _from_schema_error(name, error, path, profile, missing=False)


def _from_schema_error(
    name: str, error: jsonschema.ValidationError, path: Path, profile: Profile, *, missing: bool
) -> Deviation:
    rule_id = _rule_of_schema_error(name, error, path, missing=missing)
    message: str = f"{path[-1]!r} is missing" if missing else error.message
    expected: object = f"a {path[-1]!r} field" if missing else _expected(error)
    actual: object = None if missing else error.instance
    return Deviation(
        rule=rule_id,
        severity=rule(rule_id).severity_in(profile),
        pointer=_pointer(path),
        message=message if len(message) <= 300 else message[:299] + "…",
        expected=expected,
        actual=_sample(actual),
        documented=_citation_along(name, path) or rule(rule_id).documented,
    )


def _rule_of_schema_error(
    name: str, error: jsonschema.ValidationError, path: Path, *, missing: bool
) -> str:
    if name in _WHOLE_DOCUMENT_RULE:
        return _WHOLE_DOCUMENT_RULE[name]
    part = "item" if len(path) >= 2 and path[0] == "job_set" else "response"
    if missing:
        return _MISSING[part]
    named = error.schema.get("x-rule") if isinstance(error.schema, dict) else None
    return named if isinstance(named, str) else _MALFORMED[part]


def _expected(error: jsonschema.ValidationError) -> object:
    value = error.validator_value
    if error.validator == "type":
        return f"type {value}"
    if error.validator in {"enum", "const"}:
        return value
    description = error.schema.get("description") if isinstance(error.schema, dict) else None
    if error.validator in {"pattern", "format"} and isinstance(description, str):
        return description
    if error.validator == "not":
        return f"not {json.dumps(value)}"
    return f"{error.validator}: {value}"


def _citation_along(name: str, path: Path) -> Citation | None:
    """The deepest ``$comment`` citation on the way from the schema root down ``path``."""
    node: Any = schemas.schema(name)
    root = node
    found = _comment_citation(node)
    for key in path:
        node, root = _resolve(node, root)
        node = node.get("items") if isinstance(key, int) else node.get("properties", {}).get(key)
        if not isinstance(node, dict):
            break
        found = _comment_citation(node) or found
    return found


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    reference = node.get("$ref")
    if not isinstance(reference, str):
        return node, root
    document, _, fragment = reference.partition("#")
    if document:
        root = schemas.schema(document.removesuffix(".json"))
    target: Any = root
    for step in filter(None, fragment.split("/")):
        target = target[step]
    return target, root


def _comment_citation(node: Mapping[str, Any]) -> Citation | None:
    comment = node.get("$comment")
    return parse_reference(comment) if isinstance(comment, str) else None


# --- small helpers -------------------------------------------------------------------------------


def _deviation(
    rule_id: str,
    profile: Profile,
    pointer: str,
    message: str,
    *,
    expected: object = None,
    actual: object = None,
    inner_pointer: str = "",
) -> Deviation:
    return rule(rule_id).deviation(
        profile,
        message,
        pointer=pointer,
        expected=expected,
        actual=actual,
        inner_pointer=inner_pointer,
    )


def _nest(deviation: Deviation, pointer: str) -> Deviation:
    """A deviation found inside an embedded document, placed at the string that holds it."""
    return Deviation(
        rule=deviation.rule,
        severity=deviation.severity,
        pointer=pointer,
        message=deviation.message,
        expected=deviation.expected,
        actual=deviation.actual,
        documented=deviation.documented,
        inner_pointer=deviation.pointer or "/",
    )


def _pointer(path: Path) -> str:
    return "".join(f"/{_escape(str(step))}" for step in path)


def _escape(step: str) -> str:
    return step.replace("~", "~0").replace("/", "~1")


def _excerpt(value: object, limit: int = 120) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def _sample(value: object, limit: int = 200) -> object:
    """``value`` itself when it is small, else an excerpt of it (a report must stay readable)."""
    if isinstance(value, str):
        return _excerpt(value, limit)
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False)
        return value if len(text) <= limit else _excerpt(text, limit)
    return value


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.endswith("Z"):
        return None
    try:
        return datetime.fromisoformat(value[:-1] + "+00:00")
    except ValueError:
        return None


def _strings(value: object) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(entry, str) for entry in value):
        return value
    return None


def _words(value: object) -> list[str] | None:
    return value.split() if isinstance(value, str) else None
