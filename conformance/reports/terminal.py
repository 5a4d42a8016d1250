"""The terminal's coverage table: one line per documented line, after the deviations."""

from __future__ import annotations

from conformance.coverage.lines import Coverage, label
from conformance.shown import one_line, shown

# The page's text is Chinese; a cell of this many characters keeps a line near 120 columns.
QUOTED = 28


def coverage_lines(coverage: Coverage) -> list[str]:
    """The table: a heading with the totals, then state, cases seen, +/- counts, rules, the line's
    text and, for a gap, the case that closes it."""
    states = coverage.states()
    lines = [
        f"documentation coverage: {coverage.percent:.1f}% of {coverage.cases} cases "
        f"({states['full']} lines full, {states['partial']} partial, {states['missed']} missed, "
        f"{states['n/a']} not applicable)"
    ]
    for line in coverage.lines:
        if not line.applies:
            continue
        text = one_line(line.citation.text, QUOTED)
        row = (
            f"  {label(line.citation):<8} {line.state:<7} {line.seen:>2}/{len(line.cases):<2} "
            f"+{line.positive:<5} -{line.negative:<5} {','.join(line.rules)}  {text}"
        )
        gaps = line.gaps
        if gaps:
            more = f" (+{len(gaps) - 1} more)" if len(gaps) > 1 else ""
            row += f"  next: {gaps[0].how}{more}"
        lines.append(shown(row))
    never = [str(code) for code, seen in coverage.unprovoked if not seen]
    if never:
        lines.append(
            f"  documented codes a read-only run cannot provoke, never seen: {', '.join(never)}"
        )
    return lines
