"""The shared shape of correlation rules: a context of code that runs together, and threats."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from depshield.model import Finding, Override, When


@dataclass(frozen=True, slots=True)
class Context:
    """Findings of code that runs together, when it runs, and what executables ship with it."""

    when: When
    findings: Sequence[Finding]
    native: tuple[str, ...] = ()  # shipped executables (hasNativeCode) of the package
    # The file whose context this is (it and the files it imports directly); None for the
    # install context, which is everything install code reaches.
    root: str | None = None

    def of(self, signal: str) -> list[Finding]:
        return [f for f in self.findings if f.type == signal]

    def kinds(self, signal: str) -> set[str]:
        return {str(f.props.get("kind", "")) for f in self.of(signal)}

    def has(self, type_: str) -> bool:
        return any(f.type == type_ for f in self.findings)


Rule = Callable[[Context], Iterable[Finding]]


def threat(
    type_: str,
    ctx: Context,
    anchor: Finding,
    chain: list[Finding],
    *,
    always_severe: bool = False,
    **props: object,
) -> Finding:
    severe = always_severe or ctx.when in (When.INSTALL, When.IMPORT)
    return Finding(
        type_,
        anchor.file,
        anchor.line,
        anchor.evidence,
        props={
            "when": ctx.when.value,
            "chain": [f"{f.file}:{f.line} {f.evidence}"[:160] for f in chain],
            **props,
        },
        top_level=anchor.top_level,
        # Code that runs only if called: a threat there is high/warn, not the catalog's grade.
        override=Override(None, None) if severe else Override("high", "warn"),
    )
