"""Files a user hands the toolkit (a response, an accept file, a data file): read, and parsed safely.

``read_bytes`` reads a whole file but not an endless one (``/dev/zero``, a pipe that never ends);
``load_yaml`` reads YAML with libyaml's safe loader (the pure-Python one where PyYAML has no
libyaml), which builds plain data only and nests at most 1000 levels, and bounds what aliases do.

Aliases are YAML's own references (``&anchor`` … ``*anchor``). PyYAML writes them whenever one object
appears twice, so real cassettes hold them and they are read; but nine aliases of nine aliases of
nine… (the "billion laughs") make a few hundred bytes stand for a billion nodes, which whoever walks
the data (a scrub, a repr, a JSON rewrite) would expand. So before anything is built, the composed
nodes are counted as a reader would see them, aliases expanded: more than about twice what the file
itself could hold, or an alias inside the node it names, and the file is refused at the alias's line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import InputError

try:  # libyaml: ~10x faster than the pure-Python loader on a large cassette
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

#: Nodes aliases may add beyond what the file spells out (a file spells at most one per byte).
ALIAS_ALLOWANCE = 100_000
# An alias starts a node: after whitespace or a flow indicator, or at the very start.
_ALIAS = re.compile(rb"(?:^|[\s\[\{,:])\*")
_MEBIBYTE = 1024 * 1024


def read_bytes(path: Path, *, limit: int, what: str, error: type[InputError] = InputError) -> bytes:
    """The bytes of ``path``; ``error`` (one line naming it) when it cannot be read or is larger
    than ``limit`` bytes (a device or a pipe that never ends is not a ``what``)."""
    try:
        with path.open("rb") as file:
            raw = file.read(limit + 1)
    except OSError as failure:
        raise error(f"cannot read {path}: {failure.strerror or failure}") from None
    if len(raw) > limit:
        raise error(f"{path} holds more than {_size(limit)}: too large for {what}")
    return raw


def _size(limit: int) -> str:
    return f"{limit // _MEBIBYTE} MiB" if limit >= _MEBIBYTE else f"{limit} bytes"


def load_yaml(raw: bytes) -> Any:
    """The one document in ``raw``; ``yaml.YAMLError`` (marked with a position where PyYAML knows
    one) when it is not YAML, holds several documents, or its aliases expand too far."""
    loader = SafeLoader(raw)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _may_alias(raw):
            _check_aliases(node, budget=2 * len(raw) + ALIAS_ALLOWANCE)
        return loader.construct_document(node)
    except RecursionError:  # the pure-Python composer recurses once per level
        raise yaml.YAMLError("it nests too deep to read") from None
    finally:
        loader.dispose()


def _may_alias(raw: bytes) -> bool:
    return b"*" in raw and _ALIAS.search(raw) is not None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_aliases(root: yaml.Node, *, budget: int) -> None:
    """Raise when the node graph, aliases expanded, exceeds ``budget`` nodes or holds a loop."""
    sizes: dict[int, int] = {}
    unfinished: set[int] = set()  # the nodes whose children are being counted: the current path
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_counted = stack.pop()
        key = id(node)
        if children_counted:
            unfinished.discard(key)
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > budget:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"its aliases expand to more than {budget:,} nodes (a YAML alias bomb?)",
                    node.start_mark,
                )
            sizes[key] = size
        elif key in unfinished:
            raise yaml.composer.ComposerError(
                None, None, "an alias refers to a node that contains it", node.start_mark
            )
        elif key not in sizes:
            unfinished.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
