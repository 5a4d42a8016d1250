"""The contract declaration: it says what the pages say, and nothing else in the package says it again.

The first tests hold ``conformance/contract.py`` to the documented lines and to the schemas. The last
one reads every module of the package as code (``ast``: comments and docstrings are not code) and
fails on a default limit, the cap, a status name, the action's name or a ret_code typed outside the
declaration, ``codes.py`` and the schemas. Tests are not read: a test that states the expected value
on its own is an independent check of the declaration, not a copy of it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance import codes, contract, schemas
from conformance.cassettes.record import AUTH_VERDICTS
from conformance.documented import lines_of
from conformance.rules import RULES

PACKAGE = Path(contract.__file__).parent


def page_line(line: int) -> str:
    return lines_of("DescribeClusterJobs.seed.md")[line - 1]


def wire_line(line: int) -> str:
    return lines_of("qingcloud-wire.md")[line - 1]


# --- the declaration says what the pages say -------------------------------------------------------


def test_the_limit_default_and_cap_are_the_pages() -> None:
    found = re.search(r"默认为(\d+),最大(\d+)", page_line(12))
    assert found is not None
    assert (contract.LIMIT.default, contract.LIMIT.cap) == (int(found[1]), int(found[2]))
    assert (int(found[1]), int(found[2])) == (contract.DEFAULT_LIMIT, contract.MAX_LIMIT)
    assert contract.LIMIT.name in page_line(12)


def test_the_offset_and_verbose_defaults_are_the_pages() -> None:
    assert re.search(
        rf"\| {contract.OFFSET.name} \|.*默认为{contract.OFFSET.default}\b", page_line(11)
    )
    assert re.search(
        rf"\| {contract.VERBOSE.name} \|.*只支持为 {contract.VERBOSE.default}", page_line(10)
    )


def test_the_statuses_are_the_job_schemas_in_the_pages_order() -> None:
    listed = re.search(r"有效值为 ([a-z, ]+?) pending:", page_line(28))
    assert listed is not None
    assert tuple(listed[1].split(", ")) == contract.STATUSES
    assert tuple(schemas.document("job")["properties"]["status"]["enum"]) == contract.STATUSES
    # The lifecycle names follow the enum's order, which the line above pins.
    assert contract.STATUSES == (
        contract.PENDING,
        contract.WORKING,
        contract.FAILED,
        contract.SUCCESSFUL,
    )


def test_the_lifecycle_is_the_wire_sheets() -> None:
    line = wire_line(89)
    steps = re.search(r"`(\w+)` → `(\w+)` → `(\w+)` or `(\w+)`", line)
    assert steps is not None
    first, second, *finished = steps.groups()
    assert {
        first: (second,),
        second: tuple(sorted(finished)),
        **{status: () for status in finished},
    } == contract.NEXT
    assert set(contract.NEXT) == set(contract.STATUSES)


def test_the_request_schema_allows_the_same_statuses_as_the_job_schema() -> None:
    # The one copy left inside the schemas: request.json cannot refer to job.json's enum without
    # changing the contract hash every shipped cassette carries.
    status = schemas.document("request")["properties"][contract.STATUS.parameter]
    assert tuple(status["items"]["enum"]) == contract.STATUSES
    assert contract.STATUS.legal == contract.STATUSES


def test_the_response_action_is_the_action_plus_response() -> None:
    assert contract.RESPONSE_ACTION == contract.ACTION + "Response"
    assert f"`{contract.RESPONSE_ACTION}`" in wire_line(15)
    assert f"`{contract.ACTION}`" in wire_line(20)


def test_the_time_stamp_window_is_the_wire_sheets() -> None:
    assert f"more than {contract.TIME_STAMP_WINDOW_SECONDS} seconds old" in wire_line(31)
    assert str(codes.REQUEST_HAS_EXPIRED) in wire_line(32)


def test_every_declared_parameter_is_one_the_request_schema_has() -> None:
    request = schemas.document("request")
    properties = request["properties"]
    assert request["required"] == [contract.SCOPE]
    for declared in contract.FILTERS:
        assert properties[declared.parameter]["type"] == "array"
        assert declared.field in schemas.document("job")["required"]
    for count in contract.COUNTS:
        assert properties[count.name]["type"] == "integer"
    assert properties.keys() >= contract.SIGNING_PARAMS | contract.IGNORED_PARAMS
    assert {count.name for count in contract.COUNTS} == contract.INTEGERS


def test_the_limit_boundaries_are_either_side_of_the_default_and_the_cap() -> None:
    assert contract.LIMIT.boundaries == (1, 19, 20, 21, 99, 100, 101)
    assert contract.OFFSET.boundaries == (0, 1)


def test_every_invalid_input_class_names_a_rule_and_a_code_with_a_token() -> None:
    for declared in contract.INVALID_INPUTS:
        assert declared.rule in RULES
        assert declared.token == codes.TOKENS[declared.code]
        assert declared.rule.startswith("DCJ-ROBUST-" if declared.open else "DCJ-INPUT-")
        assert contract.invalid_input(declared.parameter, declared.when) is declared
    refused = [declared for declared in contract.INVALID_INPUTS if not declared.open]
    # One code per input rule: the judge expects a rule's code whichever class a request fell into.
    assert len({(declared.rule, declared.code) for declared in refused}) == len(
        {declared.rule for declared in refused}
    )
    whens = {declared.when for declared in contract.INVALID_INPUTS}
    assert whens == {
        "missing",
        "empty",
        "not-in-enum",
        "not-integer",
        "unknown-id",
        "malformed-array",
    }


def test_an_undeclared_invalid_input_class_is_a_key_error_listing_the_declared_ones() -> None:
    with pytest.raises(KeyError, match="declared: app missing, app empty"):
        contract.invalid_input(contract.LIMIT.name, "missing")


def test_every_auth_failure_names_an_auth_rule_and_is_a_recorder_verdict() -> None:
    for name, failure in contract.AUTH_FAILURES.items():
        assert failure.name == name
        assert failure.rule in RULES
        assert failure.rule.startswith("DCJ-AUTH-")
        assert failure.code in codes.TOKENS
    assert ("valid", *contract.AUTH_FAILURES, "unsigned") == AUTH_VERDICTS


@pytest.mark.parametrize(
    ("params", "known", "expected"),
    [
        pytest.param({"app": "app-1"}, None, [], id="documented"),
        pytest.param({}, None, [("DCJ-INPUT-001", "app is missing")], id="no-app"),
        pytest.param({"app": ""}, None, [("DCJ-INPUT-001", "app is empty")], id="empty-app"),
        pytest.param(
            {"app": "a", "status": ["pending", "done", "x"]},
            None,
            [("DCJ-INPUT-002", "status 'done' is not a status")],
            id="illegal-status",
        ),
        pytest.param(
            {"app": "a", "limit": "abc", "offset": 3, "verbose": "x"},
            None,
            [
                ("DCJ-INPUT-004", "limit='abc' is not an integer"),
                ("DCJ-INPUT-004", "verbose='x' is not an integer"),
            ],
            id="non-integers",
        ),
        pytest.param(
            {"app": "a", "jobs": ["j-1", "j-2"]},
            {"j-1"},
            [("DCJ-INPUT-003", "j-2 is not a job the target has")],
            id="unknown-id",
        ),
        pytest.param({"app": "a", "jobs": ["j-2"]}, None, [], id="ids-unknowable"),
    ],
)
def test_breaches_lists_each_refused_class_a_request_falls_into(
    params: dict[str, Any], known: set[str] | None, expected: list[tuple[str, str]]
) -> None:
    found = contract.breaches(params, known=known)
    assert [(breach.input.rule, breach.reason) for breach in found] == expected


# --- nothing else in the package types the contract again ------------------------------------------


@dataclass(frozen=True)
class Allowed:
    """A literal that looks like a fact of the contract and is not one: where, and why."""

    path: str
    value: object
    line: str  # a piece of the line it is on
    why: str


# The declaration and the codes are the homes; the schemas are JSON and not read here.
HOMES = {"contract.py", "codes.py"}

ALLOWED = (
    *(
        Allowed("coverage/lines.py", line, f"{line}: ", "a line number of the page, not a count")
        for line in (19, 20, 99)
    ),
    Allowed("arguments.py", 100, "0 <= value <= 100", "a percentage's top, not the cap"),
    Allowed(
        "emulator/churn.py",
        20,
        "MAX_STEPS_PER_REQUEST = 20",
        "a bound on churn steps per request, not a page size",
    ),
    Allowed(
        "emulator/data.py",
        100,
        "for _ in range(100)",
        "tries at drawing a fresh job id, not the cap",
    ),
    Allowed(
        "cassettes/format.py",
        100,
        "100 <= code <= 999",
        "the range of HTTP status codes, not the cap",
    ),
    Allowed(
        "probes/paging.py",
        20,
        "MAX_WALK = 20",
        "the most pages one paging walk sends, not a page size",
    ),
    Allowed(
        "targets/live.py",
        100,
        "request.path[:100]",
        "how much of a refused path an error message shows",
    ),
)

# A literal in these places is never a contract fact: a line citation (``page(12)``) counts lines
# of the page, and an exponent (``2**20``) makes a unit.
CITATIONS = {"page", "wire"}


def forbidden() -> dict[object, str]:
    """Every value the contract owns, with what it is."""
    values: dict[object, str] = {}
    for name in dir(codes):
        value = getattr(codes, name)
        if name.isupper() and isinstance(value, int) and not isinstance(value, bool):
            values[value] = f"ret_code {name}"
    for value in contract.LIMIT.boundaries:
        if value != contract.LIMIT.minimum:
            values[value] = "the default limit, the cap, or one either side of them"
    for status in contract.STATUSES:
        values[status] = "a status"
    values[contract.ACTION] = "the action"
    values[contract.RESPONSE_ACTION] = "the response action"
    return values


@dataclass(frozen=True)
class Found:
    """A constant in the package's code: where it is, its value, and the line it is on."""

    path: str
    line: int
    value: object
    text: str


def code_literals(path: Path, root: Path = PACKAGE) -> Iterator[Found]:
    """Every constant in ``path``'s code: docstrings, citations and exponents left out."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            skipped.add(id(body[0].value))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in CITATIONS:
            skipped.update(id(arg) for arg in node.args)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            skipped.add(id(node.right))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skipped.add(id(node.value))  # a bare string: an attribute docstring (``#:`` as text)
    relative = path.relative_to(root).as_posix()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in skipped:
            yield Found(relative, node.lineno, node.value, lines[node.lineno - 1].strip())


def copies() -> Iterator[tuple[Found, str]]:
    """Each literal outside the homes that types a fact of the contract, with what it types."""
    owned = forbidden()
    names = {key: what for key, what in owned.items() if isinstance(key, str)}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in HOMES and path.parent == PACKAGE:
            continue
        for found in code_literals(path):
            value = found.value
            if isinstance(value, bool) or not isinstance(value, int | str | bytes):
                continue
            if isinstance(value, bytes):
                # Wire bytes written out by hand (a response's head): a name inside counts too.
                hit = next((what for key, what in names.items() if key.encode() in value), None)
            else:
                hit = owned.get(value)
            if hit is not None:
                yield found, hit


def is_allowed(found: Found) -> bool:
    return any(
        allowed.path == found.path and allowed.value == found.value and allowed.line in found.text
        for allowed in ALLOWED
    )


def test_no_module_types_a_fact_of_the_contract_again() -> None:
    stray = [
        f"{found.path}:{found.line}: {found.value!r} ({what}): {found.text}"
        for found, what in copies()
        if not is_allowed(found)
    ]
    assert not stray, (
        "read these from conformance/contract.py or conformance/codes.py, or list the literal in "
        "ALLOWED with the reason it is not the contract's:\n" + "\n".join(stray)
    )


def test_every_allowed_literal_is_still_there() -> None:
    found = [literal for literal, _ in copies()]
    stale = [
        allowed
        for allowed in ALLOWED
        if not any(
            literal.path == allowed.path
            and literal.value == allowed.value
            and allowed.line in literal.text
            for literal in found
        )
    ]
    assert not stale, f"these exceptions match nothing any more; remove them: {stale}"


def test_the_scan_sees_a_copy_and_not_a_comment_or_docstring(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text(
        '"""The default is 20 and the statuses are "pending"."""\n'
        "# limit = 20\n"
        "LIMIT = 20\n"
        "MIB = 2**20\n"
        'STATUS = "pending"\n'
        'HEAD = b\'{"action":"DescribeClusterJobsResponse"}\'\n',
        encoding="utf-8",
    )
    seen = [(found.line, found.value) for found in code_literals(module, tmp_path)]
    assert (3, 20) in seen
    assert (5, "pending") in seen
    assert (4, 20) not in seen
    assert all(line > 2 for line, _ in seen)
