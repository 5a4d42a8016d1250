"""A faithful DescribeClusterJobs server: in-process (``Emulator.handle``) and over HTTP (``serve``).

from conformance.emulator import Emulator, serve

emulator = Emulator(faults=["limit-off-by-one"])  # checks the demo key pair's signatures
response = emulator.call({"app": "app-tg3lbp0a", "zone": "pek3a", "limit": 5})
with serve(emulator) as url:  # http://127.0.0.1:PORT/iaas/
    ...
"""

from __future__ import annotations

from conformance.emulator.churn import ChurnSettings
from conformance.emulator.data import Job, default_jobs, load_jobs
from conformance.emulator.faults import FAULTS, Fault
from conformance.emulator.server import make_server, serve
from conformance.emulator.service import DEMO_CREDENTIALS, Emulator

__all__ = [
    "DEMO_CREDENTIALS",
    "FAULTS",
    "ChurnSettings",
    "Emulator",
    "Fault",
    "Job",
    "default_jobs",
    "load_jobs",
    "make_server",
    "serve",
]
