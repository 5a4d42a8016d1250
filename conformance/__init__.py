"""Contract tests and spec conformance for QingCloud's DescribeClusterJobs API.

Nothing here imports pytest: the contract, the emulator and the checks are usable from a plain script.

The public API is what ``__all__`` names; every other module and name is the toolkit's own and may
change in any release. Each name is loaded on first use, so ``import conformance`` (which every
pytest run of a project that installs the toolkit does, through the plugin) costs nothing.

- ``validate_response(body, request)`` → ``list[Deviation]``: one response judged by every rule;
- ``Deviation``, ``Severity``, ``Profile``: what a check returns, and the two profiles;
- ``strategies``: hypothesis strategies for requests (valid, invalid, odd, auth mutations) and
  response data;
- ``Emulator``, ``serve``, ``FAULTS``, ``DEMO_CREDENTIALS``: the emulator, in-process or over HTTP;
- ``open_target``, ``Target``, ``EmulatorTarget``, ``LiveTarget``, ``Client``: where requests go;
- ``cassette_match``: the cassette matcher and scrubbing filters for vcrpy and pytest-recording.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from conformance import strategies
    from conformance.cassettes import match as cassette_match
    from conformance.client import Client
    from conformance.deviation import Deviation, Profile, Severity
    from conformance.emulator import DEMO_CREDENTIALS, FAULTS, Emulator, serve
    from conformance.targets import EmulatorTarget, LiveTarget, Target, open_target
    from conformance.validate import validate_response

# Name → (module, attribute); an attribute of None is the module itself.
_PUBLIC: dict[str, tuple[str, str | None]] = {
    "validate_response": ("conformance.validate", "validate_response"),
    "Deviation": ("conformance.deviation", "Deviation"),
    "Severity": ("conformance.deviation", "Severity"),
    "Profile": ("conformance.deviation", "Profile"),
    "strategies": ("conformance.strategies", None),
    "Emulator": ("conformance.emulator", "Emulator"),
    "serve": ("conformance.emulator", "serve"),
    "FAULTS": ("conformance.emulator", "FAULTS"),
    "DEMO_CREDENTIALS": ("conformance.emulator", "DEMO_CREDENTIALS"),
    "open_target": ("conformance.targets", "open_target"),
    "Target": ("conformance.targets", "Target"),
    "EmulatorTarget": ("conformance.targets", "EmulatorTarget"),
    "LiveTarget": ("conformance.targets", "LiveTarget"),
    "Client": ("conformance.client", "Client"),
    "cassette_match": ("conformance.cassettes.match", None),
}

# Written out (not derived from _PUBLIC) so that linters and type checkers read it.
__all__ = [
    "DEMO_CREDENTIALS",
    "FAULTS",
    "Client",
    "Deviation",
    "Emulator",
    "EmulatorTarget",
    "LiveTarget",
    "Profile",
    "Severity",
    "Target",
    "__version__",
    "cassette_match",
    "open_target",
    "serve",
    "strategies",
    "validate_response",
]


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _PUBLIC[name]
    loaded = importlib.import_module(module)
    value = loaded if attribute is None else getattr(loaded, attribute)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
