"""``python -m conformance.emulator``: the emulator subcommand without the rest of the CLI."""

from __future__ import annotations

import sys

from conformance.emulator.command import main

sys.exit(main())
