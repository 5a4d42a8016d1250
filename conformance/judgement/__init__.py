"""Judgement: what requests and answers show, as pure functions that return findings.

- ``findings``: a deviation with the exchanges that show it, and the outcomes a suite test raises;
- ``exchanges``: what one request/response pair shows (transport, robustness, the response rules);
- ``listing``: a listing of the app's jobs, and the bracket of two listings that makes cross-call
  verdicts safe on data that changes;
- ``verdicts``: the cross-call verdicts, shared by the live probes and the offline judge.

Nothing here sends a request, draws with hypothesis or imports pytest: the live probes
(``conformance.probes``) and the cassette judge (``conformance.cassettes``) both call into it.
"""
