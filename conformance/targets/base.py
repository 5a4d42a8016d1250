"""The interface every target implements, ``Target``: it lives in ``conformance.transport``, beside
the client that sends through it, so that the client and the recorder need no part of this package
(the cassette target builds on ``conformance.cassettes``, which must not import targets back)."""

from __future__ import annotations

from conformance.transport import Target

__all__ = ["Target"]
