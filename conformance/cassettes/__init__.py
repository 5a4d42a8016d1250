"""Cassettes: scrubbed vcrpy recordings of conformance runs, judged offline by every rule.

- ``format``: read and write cassettes (vcrpy's format, YAML or JSON) with their provenance;
- ``interaction``: one recorded interaction to and from ``Request``/``Response``;
- ``scrub``: what never reaches disk, and cleaning other tools' cassettes in place;
- ``record``: the recorder, an observer on the client;
- ``match``: the indexed matcher (also a vcrpy matcher and filters);
- ``judge``: every rule over the recorded interactions, built from
  ``classify`` (what a recorded request is), ``reading`` (each distinct request, answer and
  listing read once), ``walks`` (walks and the listings that bracket them) and ``verdict`` (what
  the judgement found, per rule); the verdicts themselves are ``conformance.judgement``'s;
- ``scan``: the secret scan.

Nothing here imports pytest or ``conformance.targets`` (the cassette target builds on this
package); the plugin (``--conformance-record``, a cassette ``--conformance-target``) and
``conformance cassettes check|scrub|scan`` (``conformance.cli_cassettes``) are thin layers over
these modules.
"""

from __future__ import annotations
