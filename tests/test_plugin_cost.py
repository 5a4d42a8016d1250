"""The plugin costs nothing when unused: installing the toolkit adds it to every pytest run of a
user's repository, and a run that touches neither the suite nor its fixtures must not pay for it."""

from __future__ import annotations

import pytest

# What a plain run must not load: PyYAML, the rule catalogue, the spec pages, the schemas and their
# engines, hypothesis, the emulator, vcrpy.
HEAVY = (
    "yaml",
    "conformance.rules",
    "conformance.documented",
    "conformance.schemas",
    "jsonschema",
    "hypothesis",
    "conformance.emulator",
    "vcr",
)

USERS_TEST = f"""
import sys

HEAVY = {HEAVY!r}


def test_nothing_heavy_is_loaded():
    loaded = [name for name in HEAVY if name in sys.modules]
    assert loaded == []


def test_it_fails_as_a_plain_test_fails():
    assert 1 == 2
"""


def test_a_plain_pytest_run_loads_nothing_heavy_of_the_toolkit(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_users=USERS_TEST)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=60)

    result.assert_outcomes(passed=1, failed=1)
    shown = result.stdout.str().replace("qingcloud-conformance-", "")  # pytest lists the plugin
    assert "conformance" not in shown  # no header, no summary section
