"""Contract tests and spec conformance for QingCloud's DescribeClusterJobs API.

Nothing here imports pytest: the contract, the emulator and the checks are usable from a plain script.
"""

from __future__ import annotations

__version__ = "0.1.0"
