"""Targets: where the suite's requests go. One small class per kind behind one interface.

- ``emulator``: the built-in emulator, in-process (the default);
- ``http://…`` / ``https://…``: a live endpoint, with signed requests;
- a cassette file or folder: recorded interactions, replayed offline.

``open_target(spec)`` turns the ``--conformance-target`` value into one of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from conformance.targets.base import Target

if TYPE_CHECKING:
    from conformance.targets.credentials import load_credentials
    from conformance.targets.emulator import EmulatorTarget
    from conformance.targets.live import LiveTarget
    from conformance.targets.open import open_target

# Loaded on first use: the client imports this package, and loading the emulator (~0.1 s) or
# http.client for every user of the client would tax runs that need neither.
_LAZY = {
    "EmulatorTarget": "conformance.targets.emulator",
    "LiveTarget": "conformance.targets.live",
    "load_credentials": "conformance.targets.credentials",
    "open_target": "conformance.targets.open",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


__all__ = ["EmulatorTarget", "LiveTarget", "Target", "load_credentials", "open_target"]
