"""The contract's JSON Schemas: loaded once, checked once, linked through one local registry.

Two engines read the same files. python-jsonschema explains failures (paths, messages, the failing
subschema and its ``$comment``); jsonschema-rs answers the common question "is this all valid?" about
50x faster (benchmarks/bench_validate.py), so a conformant response never pays for an explanation.

Reading a schema document (``document``) costs a file read; the engines are imported only when a
validator is first asked for, so a module that reads a fact from a schema (``contract.py``) keeps
the emulator and the client light.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.errors import ConformanceError

if TYPE_CHECKING:
    import jsonschema
    from referencing import Registry

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # pragma: no cover
    from importlib.abc import Traversable

SCHEMA_NAMES = ("request", "response", "job", "directive", "error")


@functools.cache
def _directory() -> Traversable:
    # Installed from a wheel, the schemas sit inside the package (pyproject's force-include); in a
    # source checkout or an editable install they are at the top of the repository.
    installed = resources.files("conformance").joinpath("schemas")
    if installed.is_dir():
        return installed
    source = Path(__file__).resolve().parent.parent / "schemas"
    if source.is_dir():
        return source
    raise ConformanceError(
        f"the schemas are missing: looked in {installed} and {source}; reinstall"
    )


@functools.cache
def document(name: str) -> dict[str, Any]:
    """The schema called ``name`` (one of SCHEMA_NAMES) as parsed, not yet checked: to read from."""
    if name not in SCHEMA_NAMES:
        raise ValueError(f"unknown schema {name!r}; known: {', '.join(SCHEMA_NAMES)}")
    text = _directory().joinpath(f"{name}.json").read_text(encoding="utf-8")
    parsed: dict[str, Any] = json.loads(text)
    return parsed


@functools.cache
def schema(name: str) -> dict[str, Any]:
    """The schema called ``name`` (one of SCHEMA_NAMES), parsed and checked against its metaschema."""
    import jsonschema

    checked = document(name)
    jsonschema.Draft202012Validator.check_schema(checked)
    return checked


@functools.cache
def registry() -> Registry:
    """A local registry of every schema by its ``$id``: nothing is ever fetched."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    return Registry().with_resources(
        (
            schema(name)["$id"],
            Resource.from_contents(schema(name), default_specification=DRAFT202012),
        )
        for name in SCHEMA_NAMES
    )


@functools.cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    """The explaining validator for ``name``, with formats checked (jsonschema skips them otherwise)."""
    import jsonschema

    return jsonschema.Draft202012Validator(
        schema(name), registry=registry(), format_checker=jsonschema.FormatChecker()
    )


@functools.cache
def fast_validator(name: str) -> Any:
    """The jsonschema-rs validator for ``name``: a yes/no answer, formats included."""
    import jsonschema_rs

    rust_registry = jsonschema_rs.Registry([(schema(n)["$id"], schema(n)) for n in SCHEMA_NAMES])
    return jsonschema_rs.validator_for(schema(name), registry=rust_registry, validate_formats=True)


@functools.cache
def contract_hash() -> str:
    """A SHA-256 over every schema file, so a recording can say which contract judged it."""
    digest = hashlib.sha256()
    for name in SCHEMA_NAMES:
        digest.update(_directory().joinpath(f"{name}.json").read_bytes())
    return digest.hexdigest()
