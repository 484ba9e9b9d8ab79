"""The guard's decision from what was found: run, stop, or ask; and the exit code of a stop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from depshield.guard.settings import GuardOptions

if TYPE_CHECKING:  # check.py pulls in the HTTP client: not needed when nothing changes
    from depshield.guard.check import Checked

Action = Literal["run", "stop", "ask"]
STOPPED = 1  # blocked by the policy, or warnings nobody confirmed
REGISTRY_DOWN = 3


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    exit_code: int = 0
    reason: str = ""
    tip: str | None = None


def decide(checked: Checked, options: GuardOptions, *, can_ask: bool) -> Decision:
    blocked = [r for r in checked.results if r.verdict == "block"]
    warned = [r for r in checked.results if r.verdict == "warn"]
    if options.dry_run:
        code = STOPPED if blocked or checked.integrity else 0
        return Decision("stop", code, "--dry-run: nothing was installed")
    if blocked or checked.integrity:
        if options.force:
            return Decision("run", reason="blocked, but --force was given")
        names = ", ".join(str(r.ref) for r in blocked) or "an artifact that failed its hash check"
        return Decision(
            "stop",
            STOPPED,
            f"not installing: {names} {'is' if len(blocked) < 2 else 'are'} blocked by the policy",
            "choose another version or package; if you are certain, run again with --force "
            "(--yes is not enough for a block)",
        )
    if checked.network_failed:
        if options.force:
            return Decision("run", reason="the registry could not be reached; --force was given")
        return Decision(
            "stop",
            REGISTRY_DOWN,
            "not installing: the registry could not be reached, so not everything was checked",
            "check the network and the registry configuration; --force installs without checking",
        )
    if not warned and not checked.unchecked:
        return Decision("run")
    if options.yes or options.force:
        return Decision("run", reason="warnings accepted with --yes")
    if can_ask:
        return Decision("ask")
    if options.allow_warn:
        return Decision("run", reason="warnings accepted by [guard] allow-warn")
    return Decision(
        "stop",
        STOPPED,
        "not installing: there are warnings and nobody is at a terminal to confirm them",
        "review them; then run again with --yes, or set allow-warn = true under [guard] in "
        "depshield.toml to accept warnings in CI",
    )
