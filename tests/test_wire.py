"""The query codec: valid parameters round-trip; malformed encodings become problems, not errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.wire import INTEGER_PARAMS, DecodedQuery, decode, encode, query_string

STATUSES = ("pending", "working", "failed", "successful")
KINDS = {"bad-index", "zero-index", "gap", "duplicate", "scalar-beside-array"}

job_ids = st.builds(
    "j-".__add__,
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=8, max_size=11),
)
# An empty list sends nothing on the wire, so lists that must come back have at least one element.
valid_params = st.fixed_dictionaries(
    {"app": st.text(), "zone": st.text(), "action": st.text()},
    optional={
        "jobs": st.lists(job_ids, min_size=1, max_size=12),
        "status": st.lists(st.sampled_from(STATUSES), min_size=1, max_size=6),
        "verbose": st.integers(),
        "offset": st.integers(),
        "limit": st.integers(),
    },
)


@given(valid_params)
def test_every_valid_parameter_dict_survives_encode_then_decode(params: dict[str, Any]) -> None:
    assert decode(encode(params)) == DecodedQuery(params=params, problems=())


@given(valid_params)
def test_every_valid_parameter_dict_survives_the_wire(params: dict[str, Any]) -> None:
    assert decode(query_string(encode(params))) == DecodedQuery(params=params, problems=())


@pytest.mark.parametrize(
    "value", ["a b", "a&b=c", "=", "&", "+", "%20", "应用 ID", "ü/é?#", "", "tab\tnewline\n"]
)
def test_awkward_values_survive_the_wire(value: str) -> None:
    params = {"app": value, "jobs": [value, "j-1"]}

    assert decode(query_string(encode(params))).params == params
    assert decode(query_string(encode(params)).encode("utf-8")).params == params


def test_it_percent_encodes_everything_but_unreserved_characters() -> None:
    pairs = [("app", "a b+c/d~e-f_g.h"), ("名", "值&=")]

    assert query_string(pairs) == "app=a%20b%2Bc%2Fd~e-f_g.h&%E5%90%8D=%E5%80%BC%26%3D"


def test_it_encodes_lists_as_one_based_indices_in_the_given_order() -> None:
    params = {"zone": "pek3a", "jobs": ["j-a", "j-b"], "status": ("failed",), "limit": 10}

    assert encode(params) == [
        ("zone", "pek3a"),
        ("jobs.1", "j-a"),
        ("jobs.2", "j-b"),
        ("status.1", "failed"),
        ("limit", "10"),
    ]


def test_it_leaves_out_none_values() -> None:
    assert encode({"app": "app-1", "limit": None}) == [("app", "app-1")]


@pytest.mark.parametrize(
    "params",
    [{"verbose": True}, {"jobs": [False]}, {"limit": 1.5}, {"jobs": [None]}, {"jobs": [["j"]]}],
    ids=["bool", "bool-element", "float", "none-element", "nested-list"],
)
def test_it_refuses_values_it_cannot_encode_unambiguously(params: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="cannot encode"):
        encode(params)


@pytest.mark.parametrize(
    ("query", "kind", "name", "value"),
    [
        ("app=a&jobs.x=j-1", "bad-index", "jobs.x", "j-1"),
        ("jobs.=j-1", "bad-index", "jobs.", "j-1"),
        ("jobs.01=j-1", "bad-index", "jobs.01", "j-1"),
        ("jobs.1.2=j-1", "bad-index", "jobs.1.2", "j-1"),
        ("jobs.%D9%A1=j-1", "bad-index", "jobs.١", "j-1"),  # an Arabic-Indic digit one
        ("jobs.0=j-1", "zero-index", "jobs.0", "j-1"),
        ("jobs.-1=j-1", "zero-index", "jobs.-1", "j-1"),
        ("jobs.1=j-1&jobs.3=j-3", "gap", "jobs.3", "j-3"),
        ("status.2=failed", "gap", "status.2", "failed"),
        ("jobs.1=j-1&jobs.1=j-2", "duplicate", "jobs.1", "j-2"),
        ("app=a&app=b", "duplicate", "app", "b"),
        ("jobs=j-0&jobs.1=j-1", "scalar-beside-array", "jobs", "j-0"),
        ("jobs.1=j-1&jobs=j-0", "scalar-beside-array", "jobs", "j-0"),
    ],
)
def test_it_reports_each_malformed_encoding_as_exactly_one_problem(
    query: str, kind: str, name: str, value: str
) -> None:
    (problem,) = decode(query).problems

    assert (problem.kind, problem.name, problem.value) == (kind, name, value)
    assert problem.message.startswith(name)


def test_it_reports_a_gap_in_jobs_indices_and_keeps_the_elements_in_index_order() -> None:
    decoded = decode("jobs.3=j-3&jobs.1=j-1")

    assert decoded.params == {"jobs": ["j-1", "j-3"]}
    assert [problem.message for problem in decoded.problems] == [
        "jobs.3 follows jobs.1: index 2 is missing"
    ]


def test_it_names_every_missing_index_of_a_wide_gap() -> None:
    (problem,) = decode("jobs.4=j-4").problems

    assert problem.message == "jobs.4 comes first: indices 1 to 3 are missing"


def test_it_keeps_the_first_of_a_duplicate() -> None:
    decoded = decode([("app", "first"), ("jobs.1", "j-a"), ("app", "second"), ("jobs.1", "j-b")])

    assert decoded.params == {"app": "first", "jobs": ["j-a"]}
    assert [problem.kind for problem in decoded.problems] == ["duplicate", "duplicate"]


def test_it_keeps_the_well_formed_elements_beside_malformed_ones() -> None:
    decoded = decode("jobs.0=j-0&jobs.1=j-1&jobs.x=j-x&jobs.2=j-2&app=a")

    assert decoded.params == {"jobs": ["j-1", "j-2"], "app": "a"}
    assert [problem.kind for problem in decoded.problems] == ["zero-index", "bad-index"]


def test_it_keeps_the_array_when_a_scalar_of_the_same_name_comes_too() -> None:
    assert decode("jobs=j-0&jobs.1=j-1").params == {"jobs": ["j-1"]}


def test_it_keeps_a_scalar_whose_array_elements_are_all_malformed() -> None:
    decoded = decode("jobs=j-0&jobs.0=j-1")

    assert decoded.params == {"jobs": "j-0"}
    assert [problem.kind for problem in decoded.problems] == ["zero-index"]


def test_it_orders_array_elements_by_number_not_by_text() -> None:
    query = "&".join(f"jobs.{index}=j-{index}" for index in (10, 2, 1, 3, 4, 5, 6, 7, 8, 9))

    decoded = decode(query)

    assert decoded.params == {"jobs": [f"j-{index}" for index in range(1, 11)]}
    assert decoded.problems == ()


def test_it_reports_problems_in_the_order_of_the_query() -> None:
    decoded = decode("jobs.2=j-2&app=a&jobs.0=j-0&app=b")

    assert [problem.kind for problem in decoded.problems] == ["gap", "zero-index", "duplicate"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("20", 20), ("-5", -5), ("0", 0), ("007", 7), ("abc", "abc"), ("1.5", "1.5"), ("", "")],
)
def test_it_reads_integer_params_as_int_only_when_they_are_integers(
    text: str, expected: int | str
) -> None:
    assert {decode({name: text}.items()).params[name] for name in INTEGER_PARAMS} == {expected}


def test_it_leaves_other_numeric_looking_params_as_strings() -> None:
    assert decode("app=123&zone=1").params == {"app": "123", "zone": "1"}


def test_it_reads_plus_as_a_space_in_a_form_body() -> None:
    assert decode(b"app=a+b&jobs.1=j%2B1").params == {"app": "a b", "jobs": ["j+1"]}


def test_it_survives_indices_and_integers_longer_than_int_accepts() -> None:
    digits = "1" * 5000

    decoded = decode(f"limit={digits}&jobs.{digits}=j-1")

    assert decoded.params == {"limit": digits}
    assert [problem.kind for problem in decoded.problems] == ["bad-index"]


def test_it_survives_bytes_that_are_not_utf8() -> None:
    assert decode(b"app=%FF\xfe").params == {"app": "\ufffd\ufffd"}


@given(st.text() | st.binary())
def test_decoding_an_arbitrary_query_string_never_raises(query: str | bytes) -> None:
    assert {problem.kind for problem in decode(query).problems} <= KINDS


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["app", "jobs", "jobs.", "jobs.0", "jobs.1", "jobs.2", "jobs.3"])
            | st.text(alphabet="jobs.-0123x", max_size=8),
            st.text(max_size=4),
        ),
        max_size=12,
    )
)
def test_every_dropped_pair_is_reported_as_a_problem(pairs: list[tuple[str, str]]) -> None:
    decoded = decode(pairs)

    kept = sum(len(value) if isinstance(value, list) else 1 for value in decoded.params.values())
    dropped = sum(problem.kind not in {"gap"} for problem in decoded.problems)
    assert kept + dropped == len(pairs)
    assert {problem.name for problem in decoded.problems} <= {name for name, _ in pairs}
