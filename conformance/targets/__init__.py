"""Targets: where the suite's requests go. One small class per kind behind one interface.

- ``emulator``: the built-in emulator, in-process (the default);
- ``http://…`` / ``https://…``: a live endpoint, with signed requests;
- a cassette file or folder: recorded interactions, replayed offline.

``open_target(spec)`` turns the ``--conformance-target`` value into one of them.
"""

from __future__ import annotations

from conformance.targets.base import Target

__all__ = ["Target"]
