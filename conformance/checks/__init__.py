"""The suite's checks, as plain functions that return findings (a deviation and the exchanges
that show it). Nothing here imports pytest: the plugin turns findings into test outcomes.

- ``exchanges``: what one request/response pair shows (transport, robustness, the response rules);
- ``universe``: the job listing learned from the target, and the stable window that makes
  cross-call checks safe on data that changes during a run;
- ``probes``: hypothesis-driven scenarios, each able to show a set of rules.
"""
