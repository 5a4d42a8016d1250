"""Two targets side by side: where does one (the emulator, a recording) behave differently from the
other (staging)?

- ``normalise``: an answer in contract terms (ids as tokens, times as formats, the directive
  decoded), reduced to a shape;
- ``asking``: the same case asked of both targets, each in its own terms, judged by its own verdict;
- ``compare``: two answers compared, differences grouped by kind;
- ``engine``: the run (``diff(a, b, settings)``), the boundary cases, generated and recorded ones;
- ``command``: ``conformance diff TARGET_A TARGET_B``.

The reports render its JSON (``conformance.reports.diff``).
"""
