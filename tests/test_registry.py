"""Rules are bound to code: every rule has a check that emits it and a fault that breaks it, and
every check emits only the rules it declares (``conformance.registry``)."""

from __future__ import annotations

import ast
import functools
import inspect
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import registry
from conformance.cassettes import format as cassette_format
from conformance.cassettes.judge import judge
from conformance.cassettes.record import Recorder, provenance, write_recording
from conformance.client import Client
from conformance.contract import ACTION
from conformance.deviation import Deviation, Profile
from conformance.emulator import FAULTS, Emulator
from conformance.judgement import cases
from conformance.judgement.exchanges import _judged
from conformance.probes import PROBES
from conformance.rules import CATALOGUE
from conformance.strategies.requests import MUTATIONS
from conformance.suite.test_conformance import CHECKED
from conformance.targets.emulator import EmulatorTarget
from tests.cassettes.make_data import DATA, EXPECTED

PACKAGE = Path(__file__).resolve().parents[1] / "conformance"
APP = "app-5vq6jh0c"

#: Rules no emulator fault can break, and why: what breaks them is not a server's answer.
NO_FAULT: dict[str, str] = {
    "DCJ-REQUEST-001": "it is about the request a recording holds, which the client sends; a server "
    "only answers it (the judge notes a served undocumented request, never a failure)",
    "DCJ-CASSETTE-001": "it is about a cassette's provenance (the contract it was recorded under), "
    "which the recorder writes, not the server",
}


def test_every_rule_of_the_catalogue_has_a_check_that_emits_it() -> None:
    unchecked = [entry.id for entry in CATALOGUE if not registry.checked_by(entry.id)]

    assert unchecked == []


def test_every_rule_has_a_fault_that_breaks_it_or_a_reason_why_none_can() -> None:
    # A fault's bystanders are broken by it too, by what it does to the calls around (faults.py).
    broken = {rule for fault in FAULTS.values() for rule in (fault.rule, *fault.bystanders)}

    assert [entry.id for entry in CATALOGUE if entry.id not in broken | NO_FAULT.keys()] == []
    # A reason stays true: a rule with a fault needs none.
    assert sorted(broken & NO_FAULT.keys()) == []


def test_a_check_declares_only_catalogue_rules() -> None:
    with pytest.raises(KeyError, match="DCJ-NOPE-001"):
        registry.emits("DCJ-NOPE-001")


def test_the_registry_loads_every_module_that_declares_a_check() -> None:
    declaring = {
        _module_name(path)
        for path in PACKAGE.rglob("*.py")
        if any(
            isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "emits"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.FunctionDef)
            for decorator in node.decorator_list
        )
    }

    assert declaring == set(registry.MODULES)


def test_each_probe_owns_the_rules_its_kind_of_case_is_judged_by() -> None:
    owned = {probe.name: probe.rules for probe in PROBES}

    assert owned == {
        "responses": cases.ANSWER,
        "filters": cases.FILTERED_WALK,
        "paging": cases.PAGING_WALK,
        "rejections": cases.REFUSED_INPUT,
        "oddities": cases.ODD,
        "authentication": cases.REFUSED_AUTH,
    }
    # The suite has a test for every rule a probe owns, and only the recordings judge the others.
    offline_only = {entry.id for entry in CATALOGUE} - set().union(*owned.values())
    assert {param.values[0] for param in CHECKED} == set().union(*owned.values())
    assert offline_only == {"DCJ-REQUEST-001", "DCJ-CASSETTE-001"}


def test_every_check_emits_only_the_rules_it_declares(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Each registered check is wrapped where its module looks it up: a deviation is attributed to
    # the innermost check that produced it, and must be one of that check's rules. The corpus is
    # every fault's answers to documented, invalid, odd and wrongly signed requests, judged offline
    # (which runs every check the live probes run, and the cassette checks besides).
    seen: dict[str, set[str]] = {}
    attributed: dict[int, Deviation] = {}
    for check in registry.checks():
        module_name, _, function_name = check.name.rpartition(".")
        original = getattr(sys.modules[module_name], function_name)
        wrapper = _attributing(original, check, seen, attributed)
        # Wherever it is looked up: its module, and every module that imported it by name.
        for module in [m for name, m in sys.modules.items() if name.startswith("conformance")]:
            for name, value in list(vars(module).items()):
                if value is original:
                    monkeypatch.setattr(module, name, wrapper)
    _judged.cache_clear()  # verdicts kept from other tests would pass no wrapper

    paths = [DATA / name for name in EXPECTED]  # a stale contract, another action…
    for fault in [None, *FAULTS]:
        paths.append(tmp_path / f"{fault or 'none'}.json")
        _record_corpus(paths[-1], [] if fault is None else [fault])
    for path in paths:
        for profile in Profile:
            judge([cassette_format.load(path)], profile)
    _judged.cache_clear()

    undeclared = {
        name: sorted(rules - next(c for c in registry.checks() if c.name == name).emitted)
        for name, rules in seen.items()
    }
    assert {name: rules for name, rules in undeclared.items() if rules} == {}
    # And each check was seen emitting: the corpus reaches every one.
    assert sorted({check.name for check in registry.checks()} - seen.keys()) == []


def _attributing(
    original: Callable[..., Any],
    check: registry.Check,
    seen: dict[str, set[str]],
    attributed: dict[int, Deviation],
) -> Callable[..., Any]:
    def note(item: object) -> None:
        if isinstance(item, Deviation) and id(item) not in attributed:
            attributed[id(item)] = item  # kept: its id is not reused while the test runs
            seen.setdefault(check.name, set()).add(item.rule)

    if inspect.isgeneratorfunction(original):

        @functools.wraps(original)
        def generator(*args: Any, **kwargs: Any) -> Iterator[Any]:
            inner = original(*args, **kwargs)
            while True:
                try:
                    item = next(inner)
                except StopIteration as stop:
                    return stop.value
                note(item)
                yield item

        return generator

    @functools.wraps(original)
    def function(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        for item in result if isinstance(result, list | tuple) else ():
            note(item)
        return result

    return function


def _record_corpus(path: Path, faults: list[str]) -> None:
    emulator = Emulator(faults=faults)
    target = EmulatorTarget(emulator)
    client = Client(target)
    recorder = Recorder(target)
    client.observers.append(recorder)
    listing: dict[str, Any] = {"app": APP, "limit": 100}
    jobs = [job.job_id for job in emulator.jobs if job.app == APP][:3]
    calls: list[dict[str, Any]] = [
        listing,
        {"app": APP},
        {"app": APP, "limit": 101},
        {"app": APP, "limit": 7, "offset": 3},
        *({"app": APP, "limit": 10, "offset": offset} for offset in range(0, 50, 10)),
        {"app": APP, "status": ["successful"], "limit": 100},
        {"app": APP, "jobs": jobs, "verbose": 0},
        listing,
        {"app": APP, "jobs": ["j-000000000000"]},
    ]
    for params in calls:
        client.call(params)
    base = [("action", ACTION), ("zone", "pek3a")]
    for pairs in [
        base,
        [*base, ("app", APP), ("status.1", "done")],
        [*base, ("app", APP), ("limit", "abc")],
        [*base, ("app", APP), ("offset", "-1")],
        [*base, ("app", APP), ("limit", "0")],
        [*base, ("app", APP), ("jobs.0", "j-00000000")],
    ]:
        client.send_pairs(pairs)
    assert target.credentials is not None
    for mutation in MUTATIONS.values():
        signed = mutation.apply(
            [*base, ("app", APP), ("limit", "1")],
            target.credentials,
            now=client.clock(),
            verb="GET",
            path=target.path,
        )
        client.send_pairs(signed, sign=False)
    recorded = provenance(target, len(recorder.interactions), zone="pek3a", app=APP)
    write_recording(path, recorder.interactions, recorded)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
