"""The page's documented example as a cassette: its example request and its example response.

``python -m conformance.cassettes.examples FOLDER`` writes ``documented-example.json`` there (the
repository ships it in ``cassettes/``). The request is the page's, without its ``&COMMON_PARAMS``
placeholder: there is no signature to scrub and no time to invent. The response body is the page's
text exactly, line breaks and indentation included.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.cassettes import format as cassette_format
from conformance.client import utc_now
from conformance.documented import example_response_text
from conformance.signing import format_time

ENDPOINT = "https://api.qingcloud.com/iaas/"
QUERY = "action=DescribeClusterJobs&app=app-tg3lbp0a&jobs.1=j-etkt94ebqra&limit=1&zone=pek3a"
NAME = "documented-example.json"


def documented_interactions() -> list[dict[str, Any]]:
    """The example exchange as one vcrpy interaction."""
    return [
        {
            "request": {"method": "GET", "uri": f"{ENDPOINT}?{QUERY}", "body": None, "headers": {}},
            "response": {
                "status": {"code": 200, "message": "OK"},
                "headers": {"Content-Type": ["application/json"]},
                "body": {"string": example_response_text()},
            },
        }
    ]


def documented_example() -> dict[str, Any]:
    """The whole cassette document, with provenance under the current contract."""
    interactions = documented_interactions()
    provenance = cassette_format.Provenance(
        recorded_at=format_time(utc_now()),
        endpoint=ENDPOINT,
        host="api.qingcloud.com",
        zone="pek3a",
        app="app-tg3lbp0a",
        toolkit=__version__,
        contract=cassette_format.contract_hash(),
        interactions=len(interactions),
    )
    return cassette_format.document(interactions, provenance)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the documented example into the folder given (default ``cassettes``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    folder = Path(args[0] if args else "cassettes")
    cassette_format.write(folder / NAME, documented_example())
    print(f"wrote {folder / NAME}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
