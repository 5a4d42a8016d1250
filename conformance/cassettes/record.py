"""Recording a run: an observer on the client that keeps every exchange as a scrubbed interaction.

``Recorder`` goes into ``Client.observers``. Each exchange is scrubbed as it arrives (nothing secret
is kept even in memory): the request's credentials, and also whatever a server echoes of the run's
own key pair and of every signature the run sent, in any response header (``Location`` too) and
body, raw or percent-encoded. Each is annotated with what only the recording moment can know: whether its
authentication was right. The signature is scrubbed, so an offline judge cannot check it later;
the recorder checks it now, with the run's own key pair, and writes down the verdict (``valid``,
``missing-signature``, ``bad-signature``, ``unknown-key``, ``stale-time-stamp``, or ``unsigned``
when the target takes no signatures). That is how a server that accepted a wrong signature is
still caught offline.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from conformance import __version__, signing
from conformance.cassettes import format as cassette_format
from conformance.cassettes.interaction import IN_PROCESS_ORIGIN, origin_of, to_interaction
from conformance.cassettes.scrub import scrub_interaction
from conformance.client import utc_now
from conformance.contract import AUTH_FAILURES
from conformance.exchange import Exchange
from conformance.transport import Target

META_KEY = "conformance"
# The wire sheet refuses time stamps over 60 s old (qingcloud-wire.md:31), but the recorder sees a
# request only once it is answered, and a live target may retry for most of a minute: a stamp is
# called stale only well past that (the suite's stale mutation is ten minutes old).
STALE_AFTER = timedelta(minutes=5)
# A request right, each way it can be wrong (contract.AUTH_FAILURES), or a target that signs nothing.
AUTH_VERDICTS = ("valid", *AUTH_FAILURES, "unsigned")


def authentication(
    pairs: Sequence[tuple[str, str]],
    credentials: signing.Credentials | None,
    *,
    verb: str,
    path: str,
    now: datetime,
) -> str:
    """What is wrong with a request's authentication, judged with the run's key pair (or ``valid``)."""
    if credentials is None:
        return "unsigned"
    names = [name for name, _ in pairs]
    if "signature" not in names:
        return "missing-signature"
    key_id = next((value for name, value in pairs if name == "access_key_id"), None)
    if key_id != credentials.access_key_id:
        return "unknown-key"
    if not signing.verify(pairs, credentials.secret_access_key, verb=verb, path=path):
        return "bad-signature"
    stamp = next((value for name, value in pairs if name == "time_stamp"), "")
    moment = signing.parse_time(stamp)
    if moment is None or now - moment > STALE_AFTER:
        return "stale-time-stamp"
    return "valid"


class Recorder:
    """Keeps every exchange ``target`` answered as a scrubbed vcrpy interaction, in order.

    ``session`` labels this recorder's interactions (an xdist worker id, or ``main``): the offline
    judge compares calls across a session only, because each worker has its own view of the data.
    Thread-safe: the client may be shared by threads.
    """

    def __init__(
        self, target: Target, *, session: str = "main", clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.target = target
        self.session = session
        self.clock = clock
        self.origin = origin_of(target.url) if target.url else IN_PROCESS_ORIGIN
        self.interactions: list[dict[str, Any]] = []
        credentials = target.credentials
        self._secrets: tuple[str | signing.Secret, ...] = (
            (credentials.access_key_id, credentials.secret_access_key) if credentials else ()
        )
        # Every signature sent so far: a server (a cache, a proxy) may echo an earlier request's.
        self._signatures: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange) -> None:
        now = self.clock()
        request = exchange.request
        pairs = request.pairs()
        # Held as Secrets: a traceback's locals show none (the pairs redact themselves).
        sent = [signing.Secret(value) for name, value in pairs if name.lower() == "signature"]
        with self._lock:
            self._signatures.update(signature.reveal() for signature in sent if signature)
        verdict = authentication(
            pairs,
            self.target.credentials,
            verb=request.method,
            path=request.path,
            now=now,
        )
        interaction = to_interaction(exchange, origin=self.origin)
        # This request's signatures are scrubbed in every form (a "+" sent as a space…), earlier
        # ones wherever they appear raw or percent-encoded. The set is only looked up, never
        # iterated, so another thread may add to it meanwhile.
        scrub_interaction(interaction, secrets=(*self._secrets, *sent), signatures=self._signatures)
        interaction[META_KEY] = {
            "at": signing.format_time(now),
            "session": self.session,
            "auth": verdict,
        }
        with self._lock:
            self.interactions.append(interaction)

    def provenance(
        self, interactions: int, *, zone: str, app: str, seed: int | None = None
    ) -> cassette_format.Provenance:
        """The provenance of a cassette of ``interactions`` recorded from this recorder's target."""
        return provenance(
            self.target, interactions, zone=zone, app=app, seed=seed, now=self.clock()
        )


def provenance(
    target: Target,
    interactions: int,
    *,
    zone: str,
    app: str,
    seed: int | None = None,
    now: datetime | None = None,
) -> cassette_format.Provenance:
    """When, where and under which contract a recording of ``target`` was made."""
    origin = origin_of(target.url) if target.url else IN_PROCESS_ORIGIN
    return cassette_format.Provenance(
        recorded_at=signing.format_time(now or utc_now()),
        endpoint=target.name,
        host=origin.partition("//")[2],
        zone=zone,
        app=app,
        toolkit=__version__,
        contract=cassette_format.contract_hash(),
        interactions=interactions,
        seed=seed,
    )


def write_recording(
    path: str | Path,
    interactions: list[dict[str, Any]],
    provenance: cassette_format.Provenance,
) -> None:
    """Write a recording (scrubbed again on the way out: a caller may have added interactions)."""
    for interaction in interactions:
        scrub_interaction(interaction)
    cassette_format.write(path, cassette_format.document(interactions, provenance))
