"""Writing the reports a run was asked for, and the CI step summary when a CI names one.

Each destination is checked before the run (``check``), so a typo does not cost it; each failure to
write is one ``ConformanceError`` naming the option, returned rather than raised, so the other
reports are still written and the run still ends red.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from conformance.coverage.lines import Coverage
from conformance.errors import ConformanceError, InputError
from conformance.paths import check_writable, write_atomically
from conformance.report import Report
from conformance.reports import STEP_SUMMARY_VARIABLE, Outputs


class OutputError(ConformanceError):
    """A report that cannot be written: ``option`` names it (``markdown``, ``html``)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


def check(outputs: Outputs, *, others: Mapping[str, Path | None] | None = None) -> None:
    """Raise ``OutputError`` when a destination cannot be written, or is also another's: ``others``
    names the run's other files by option (``report``, ``record``), which none may overwrite."""
    distinct({**(others or {}), "markdown": outputs.markdown, "html": outputs.html})
    for option, path in (("markdown", outputs.markdown), ("html", outputs.html)):
        if path is not None:
            try:
                check_writable(path)
            except ConformanceError as error:
                raise OutputError(option, str(error)) from None


def distinct(paths: Mapping[str, Path | None]) -> None:
    """Raise ``OutputError`` when two options (by name, in the order given) name the same file:
    the one written last would silently replace the other."""
    seen: dict[Path, str] = {}
    for option, path in paths.items():
        if path is None:
            continue
        key = Path(path).resolve()  # a relative path, or a link, to the same file is the same
        if key in seen:
            raise OutputError(
                option,
                f"{path} is also the {seen[key]} option's file: one would overwrite the other; "
                "give each report a path of its own",
            )
        seen[key] = option


def step_summary(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The file a CI reads a step's Markdown summary from (GitHub Actions' variable), if any."""
    named = environ.get(STEP_SUMMARY_VARIABLE)
    return Path(named) if named else None


def write(
    outputs: Outputs,
    report: Report,
    coverage: Coverage,
    *,
    accepted: Iterable[str] = (),
    environ: Mapping[str, str] = os.environ,
) -> tuple[list[str], list[OutputError]]:
    """Write the Markdown and HTML reports (and append the Markdown to the step summary): what was
    written, as lines to print, and what could not be."""
    written: list[str] = []
    failed: list[OutputError] = []
    accepted = sorted(set(accepted))
    fail_under = outputs.coverage_fail_under
    summary = step_summary(environ)
    markdown = None
    if outputs.markdown is not None or summary is not None:
        from conformance.reports.markdown import render

        markdown = render(report, coverage, fail_under=fail_under, accepted=accepted)
    if outputs.markdown is not None and markdown is not None:
        try:
            write_atomically(outputs.markdown, markdown.encode("utf-8"))
            written.append(f"Markdown report: {outputs.markdown}")
        except InputError as error:
            failed.append(OutputError("markdown", str(error)))
    if summary is not None and markdown is not None:
        try:
            # Appended: GitHub gathers every step's writes to this file into one summary.
            with open(summary, "a", encoding="utf-8") as stream:
                stream.write(markdown)
            written.append(f"Markdown summary appended to ${STEP_SUMMARY_VARIABLE}")
        except OSError as error:
            message = f"cannot write {summary}: {error.strerror or error}"
            failed.append(OutputError(STEP_SUMMARY_VARIABLE, message))
    if outputs.html is not None:
        from conformance.reports.html import render as render_html

        page = render_html(report, coverage, fail_under=fail_under, accepted=accepted)
        try:
            write_atomically(outputs.html, page.encode("utf-8"))
            written.append(f"HTML report: {outputs.html}")
        except InputError as error:
            failed.append(OutputError("html", str(error)))
    return written, failed
