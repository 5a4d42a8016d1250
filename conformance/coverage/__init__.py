"""Documentation coverage: how much of the page a run tried, in the page's own terms.

``tally`` counts what a run sent and got back (each exchange, live or emulated, or each recorded
interaction of a judged cassette) under plain keys (``status:pending:alone``, ``limit:101``,
``code:2100``); ``lines`` says, for every documented line a rule cites, which cases would exercise
it, and measures a tally against them: full, partial or missed, with the case that closes each gap.
Neither imports pytest or hypothesis.
"""
