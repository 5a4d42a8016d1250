"""Imports flow one way, down the layers the folder names show.

    contract ← judgement ← client, strategies, emulator ← probes, cassettes ← targets ← session ←
    plugin, CLI

Every import statement counts, at module level or inside a function (a lazy import is a dependency
all the same, only paid later) or under ``TYPE_CHECKING`` (the types couple the layers too). Two
things are not import statements and are left out on purpose: the package's ``__init__``, the public
face, which loads its names on first use from every layer (``conformance/__init__.py``); and the
registry's loading of the modules that declare checks by name, to list them
(``conformance.registry.MODULES``; tests/test_registry.py keeps that list exact).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "conformance"

#: Lowest first: a module may import its own layer and the layers before it, never one after.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "contract",
        (
            # The facts of the page and their codecs: shapes, rules, codes, the declaration, and
            # what judges one response or request against them.
            "conformance.contract",
            "conformance.schemas",
            "conformance.rules",
            "conformance.registry",
            "conformance.codes",
            "conformance.documented",
            "conformance.deviation",
            "conformance.validate",
            "conformance.wire",
            "conformance.signing",
            "conformance.exchange",
            "conformance.replay",
            # Small parts everything may use.
            "conformance.errors",
            "conformance.shown",
            "conformance.jsontext",
            "conformance.redact",
            "conformance.paths",
            "conformance.documents",
            "conformance.arguments",
            "conformance.accept",
        ),
    ),
    ("judgement", ("conformance.judgement",)),
    (
        "client, strategies, emulator",
        (
            "conformance.transport",
            "conformance.client",
            "conformance.stopping",
            "conformance.readonly",
            "conformance.strategies",
            "conformance.emulator",
        ),
    ),
    (
        "probes, cassettes",
        (
            "conformance.probes",
            "conformance.cassettes",
            "conformance.report",
            "conformance.replaying",
            # Documentation coverage counts recorded interactions as the offline judge reads them;
            # the reports a person reads render the report and the coverage.
            "conformance.coverage",
            "conformance.reports",
        ),
    ),
    ("targets", ("conformance.targets",)),
    (
        "session",
        (
            "conformance.session",
            "conformance.options",
            # Two targets compared: opens both, asks the probes' cases, renders its reports.
            "conformance.diff",
        ),
    ),
    (
        "plugin, CLI",
        (
            "conformance.plugin",
            "conformance.watch",
            "conformance.cli",
            "conformance.suite",
            "conformance.progress",
        ),
    ),
)
#: The public face: loads every layer's names on first use, and nothing imports it for code.
EXEMPT = frozenset({"conformance"})


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> int:
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return index
    # cli_cassettes and any other module named after a layer's module without a dot in between.
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module.startswith(prefix + "_") for prefix in prefixes):
            return index
    raise LookupError(f"{module} is in no layer: place it in LAYERS")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import of the package's own modules in ``path``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("conformance")]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: a relative import"
            if node.module is None or node.module.split(".")[0] != "conformance":
                continue
            for alias in node.names:
                # ``from conformance.x import y``: y is a module when the package has one so named.
                inner = f"{node.module}.{alias.name}"
                found.append((node.lineno, inner if inner in MODULES else node.module))
    return found


def test_every_module_of_the_package_is_in_a_layer() -> None:
    unplaced = []
    for module in MODULES:
        if module in EXEMPT:
            continue
        try:
            _layer(module)
        except LookupError:
            unplaced.append(module)

    assert unplaced == []


@pytest.mark.parametrize("module", sorted(set(MODULES) - EXEMPT))
def test_a_module_imports_only_its_own_layer_and_those_below(module: str) -> None:
    own = _layer(module)
    upward = [
        f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} imports {imported} "
        f"({LAYERS[_layer(imported)][0]}, above {LAYERS[own][0]})"
        for line, imported in _imports(MODULES[module])
        if imported not in EXEMPT and _layer(imported) > own
    ]

    assert upward == []


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        # The circles the split ended: a survey is the run's, not the search's; the cassette
        # target builds on the cassettes package, which knows nothing of targets; the offline
        # judge shares the verdicts, not the probes (and so never loads hypothesis).
        ("conformance.probes.run", "conformance.probes.search"),
        ("conformance.cassettes", "conformance.targets"),
        ("conformance.cassettes", "conformance.probes"),
        ("conformance.judgement", "conformance.probes"),
    ],
)
def test_the_circles_once_here_stay_ended(importer: str, imported: str) -> None:
    found = [
        f"{module}:{line} imports {name}"
        for module, path in MODULES.items()
        if module == importer or module.startswith(importer + ".")
        for line, name in _imports(path)
        if name == imported or name.startswith(imported + ".")
    ]

    assert found == []


def test_the_layers_are_what_this_test_says_they_are() -> None:
    # The test itself is tested: an upward import is found, lazy or not.
    assert _layer("conformance.cli_cassettes") == len(LAYERS) - 1
    assert _layer("conformance.judgement.verdicts") < _layer("conformance.probes.paging")
    with pytest.raises(LookupError):
        _layer("conformance.nowhere")
