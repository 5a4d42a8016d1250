"""Cassettes as a target: recorded interactions, replayed offline (record mode none).

Nothing is ever fetched. A request is answered by the recorded interaction whose key matches
(``conformance.cassettes.match``: signing parameters, ``req_id`` and parameter order ignored); a
request nobody recorded fails with one line naming the cassettes and the closest recorded requests.
The suite does not send requests to a cassette target at all: the plugin judges what was recorded
(``conformance.cassettes.judge``). This class serves users' own tests and ``conformance_client``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from conformance.cassettes import format as cassette_format
from conformance.cassettes.interaction import to_response
from conformance.cassettes.match import Index, Key, interaction_key, request_key
from conformance.errors import TargetError
from conformance.exchange import Request, Response
from conformance.replay import unsigned_query
from conformance.targets.base import Target


class CassetteTarget(Target):
    """The interactions of a cassette file, or of every cassette in a folder.

    Raises ``CassetteError`` (one line: the file and the position) when a cassette cannot be read.
    Requests go out unsigned (``credentials`` is None): matching ignores the signing parameters.
    """

    def __init__(self, path: str | Path | Sequence[str | Path]) -> None:
        given = [path] if isinstance(path, str | Path) else list(path)
        self.cassettes = [cassette_format.load(file) for file in cassette_format.discover(given)]
        self.name = ", ".join(str(item) for item in given)
        endpoints = {c.provenance.endpoint for c in self.cassettes if c.provenance is not None}
        endpoint = endpoints.pop() if len(endpoints) == 1 else None
        # A replay command can point at the recorded endpoint; the in-process emulator has none.
        self.url = endpoint if endpoint and endpoint.startswith(("http://", "https://")) else None
        self.replay_options = _emulator_options(endpoint) if endpoint else None
        self.index: Index[Response] = Index(
            (interaction_key(raw["request"]), to_response(raw["response"]))
            for cassette in self.cassettes
            for raw in cassette.interactions
        )

    def send(self, request: Request) -> Response:
        """The recorded answer to ``request``; ``TargetError`` when nothing recorded matches it."""
        wanted = request_key(request)
        response = self.index.take(wanted)
        if response is None:
            closest = "; ".join(_shown(key) for key in self.index.closest(wanted)) or "(none)"
            raise TargetError(
                f"no interaction recorded in {self.name} matches {request.method} {request.path}"
                f"?{unsigned_query(request)} (record mode none: nothing is fetched); "
                f"closest recorded: {closest}"
            )
        return response

    def __repr__(self) -> str:
        return f"CassetteTarget({self.name!r}, {len(self.index)} interactions)"


def _emulator_options(endpoint: str) -> str | None:
    """``conformance emulator`` options that rebuild a recorded in-process emulator's faults."""
    match = re.fullmatch(r"emulator(?:\[(?P<faults>[^\]]*)\])?(?P<churn>\+churn)?", endpoint)
    if match is None:
        return None
    options = [f"--fault {name}" for name in (match["faults"] or "").split(",") if name]
    if match["churn"]:
        options.append("--churn")
    return " ".join(options) or None


def _shown(key: Key) -> str:
    method, path, pairs = key
    return f"{method} {path}?" + "&".join(f"{name}={value}" for name, value in pairs)


def names_cassettes(spec: str) -> bool:
    """Whether a ``--conformance-target`` value names cassettes (as ``open_target`` reads it)."""
    text = spec.strip()
    if text == "emulator" or text.startswith("emulator:"):
        return False
    if text.lower().startswith(("http://", "https://")):
        return False
    return bool(text) and Path(text).exists()
