"""Files that were not analysed, or only in part, as data and as `unanalyzedFile` findings.

An attacker can make a file too big or too deep for the analyzers (analyzers/budget.py) or for
the archive reader's per-file limit; that must never read as a clean pass. Each such file is
listed in the package result (`skippedFiles`) and raises `unanalyzedFile`: monitor by default,
warn when the file is what the package runs at install time or names as its entry point
(docs/security.md, "Analysis budgets"). A big entry point read in windows (every byte met the
rules; only a flow across a cut was not followed) stays at monitor: a published multi-megabyte
bundle is not hiding, and a payload appended to one is analysed like the head.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from depshield.analyzers.budget import IN_PARTS, is_budget_reason
from depshield.artifacts.base import Refused
from depshield.model import FileAnalysis, Finding, Override, SkippedFile

# Refusals that stand for content too big to read, not for links or bad paths (which have
# findings of their own and hold no content).
_TOO_BIG = frozenset({"size", "ratio"})


def skipped_files(files: Sequence[FileAnalysis], refused: Sequence[Refused]) -> list[SkippedFile]:
    """Every file whose content the analyzers did not (fully) see, in package order."""
    out = [
        SkippedFile(fa.path, fa.skipped, "budget" if is_budget_reason(fa.skipped) else "error")
        for fa in files
        if fa.skipped
    ]
    big = [r for r in refused if r.path and r.kind in _TOO_BIG]
    out += [SkippedFile(r.path, r.reason, "refused") for r in big]
    return out


def unanalysed_findings(
    skipped: Sequence[SkippedFile], install: Collection[str], entries: Collection[str]
) -> list[Finding]:
    """One `unanalyzedFile` per skipped file; `install`: files run at install time, `entries`:
    the files the manifest names as the package's entry points (`main`, `exports`, `bin`)."""
    out = []
    for item in skipped:
        props: dict[str, object] = {"kind": item.kind, "reason": item.reason}
        grade = None
        if item.reason.startswith(IN_PARTS):
            pass  # monitor wherever it runs: the rules saw all of it
        elif item.file in install:
            props["runs"] = "install"
            grade = Override("middle", "warn")
        elif item.file in entries:
            props["runs"] = "entry"
            grade = Override("middle", "warn")
        text = item.reason[:120]
        out.append(Finding("unanalyzedFile", item.file, 0, text, props, True, override=grade))
    return out
