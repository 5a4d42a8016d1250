"""Cassettes: scrubbed vcrpy recordings of conformance runs, judged offline by every rule.

- ``format``: read and write cassettes (vcrpy's format, YAML or JSON) with their provenance;
- ``interaction``: one recorded interaction to and from ``Request``/``Response``;
- ``scrub``: what never reaches disk, and cleaning other tools' cassettes in place;
- ``record``: the recorder, an observer on the client;
- ``match``: the indexed matcher (also a vcrpy matcher and filters);
- ``judge``: every rule over the recorded interactions;
- ``scan``: the secret scan;
- ``command``: ``conformance cassettes check|scrub|scan``.

Nothing here imports pytest; the plugin (``--conformance-record``, a cassette
``--conformance-target``) is a thin layer over these modules.
"""

from __future__ import annotations
