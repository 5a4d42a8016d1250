"""Hypothesis strategies for DescribeClusterJobs, in hypothesis's house style.

``responses`` draws conformant job data; ``requests`` draws parameter sets: valid ones, invalid ones
labelled with the rule they break, odd ones the page leaves open, and authentication mutations.
"""

from __future__ import annotations

from conformance.contract import STATUSES
from conformance.strategies.requests import (
    AUTH_MUTATIONS,
    AuthMutation,
    InvalidRequest,
    OddRequest,
    auth_mutations,
    invalid_requests,
    odd_requests,
    valid_parameters,
)
from conformance.strategies.responses import (
    cluster_ids,
    format_time,
    job_ids,
    jobs,
    responses,
    utc_times,
)

__all__ = [
    "AUTH_MUTATIONS",
    "STATUSES",
    "AuthMutation",
    "InvalidRequest",
    "OddRequest",
    "auth_mutations",
    "cluster_ids",
    "format_time",
    "invalid_requests",
    "job_ids",
    "jobs",
    "odd_requests",
    "responses",
    "utc_times",
    "valid_parameters",
]
