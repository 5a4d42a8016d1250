"""Commands that replay a finding: curl, with credentials as environment variable references.

A signed request cannot be replayed byte for byte (its time stamp expires in 60 s), so the command
re-signs the recorded parameters with ``conformance sign``, which reads the key pair from
QINGCLOUD_ACCESS_KEY_ID / QINGCLOUD_SECRET_ACCESS_KEY (or the emulator's demo pair with --demo).
No value of a credential is ever printed.
"""

from __future__ import annotations

import shlex
from urllib.parse import parse_qsl

from conformance import wire
from conformance.exchange import Request

# What signing adds; everything else is what the request meant.
SIGNING_PARAMS = frozenset(
    {"access_key_id", "signature", "signature_method", "signature_version", "time_stamp", "expires"}
)
EMULATOR_PORT = 8080


def unsigned_query(request: Request) -> str:
    """The request's parameters without anything signing added, in their order."""
    raw = request.body.decode("utf-8", "replace") if request.method == "POST" else request.query
    pairs = [
        (name, value)
        for name, value in parse_qsl(raw, keep_blank_values=True)
        if name not in SIGNING_PARAMS
    ]
    return wire.query_string(pairs)


def reproduce(
    request: Request,
    *,
    url: str | None,
    emulator_options: str | None = None,
    mutation: str | None = None,
) -> str:
    """A shell command that sends ``request`` again, freshly signed.

    ``url`` is the live endpoint; None means the in-process emulator, which the command first starts
    over HTTP with ``emulator_options`` (its faults, churn).
    """
    setup = ""
    if url is None:
        url = f"http://127.0.0.1:{EMULATOR_PORT}{request.path}"
        options = f" {emulator_options}" if emulator_options else ""
        # The replay signs with the demo pair, so the emulator must check that pair, not the one
        # a user may have in the environment.
        unset = "env -u QINGCLOUD_ACCESS_KEY_ID -u QINGCLOUD_SECRET_ACCESS_KEY "
        setup = f"{unset}conformance emulator --port {EMULATOR_PORT}{options} &\n"
    sign = ["conformance", "sign"]
    if setup:
        sign.append("--demo")
    if request.method == "POST":
        sign += ["--verb", "POST"]
    if request.path != "/iaas/":
        sign += ["--path", request.path]
    if mutation:
        sign += ["--mutation", mutation]
    sign.append(unsigned_query(request))
    signed = " ".join(shlex.quote(part) for part in sign)
    if request.method == "POST":
        return f'{setup}curl -sS --data "$({signed})" {shlex.quote(url)}'
    return f'{setup}curl -sS "{url}?$({signed})"'
