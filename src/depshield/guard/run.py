"""The guard's loop: resolve what the command would install, check it, report, decide."""

from __future__ import annotations

import sys
from collections.abc import Callable

from depshield.guard.base import Plan, ResolutionFailed, Resolver, Wrapped
from depshield.guard.check import check
from depshield.guard.decide import STOPPED, decide
from depshield.guard.npm import NpmResolver, NpxResolver
from depshield.guard.pip import PipResolver
from depshield.guard.prompt import confirm
from depshield.guard.report import plan_line, render, safe_version_tip, write
from depshield.guard.settings import GuardOptions
from depshield.guard.uv import UvResolver
from depshield.guard.yarn_pnpm import PnpmResolver, YarnResolver
from depshield.policy import Policy


def _npm() -> Resolver:

    return NpmResolver()


def _npx() -> Resolver:

    return NpxResolver()


def _pip() -> Resolver:

    return PipResolver()


def _uv() -> Resolver:

    return UvResolver()


def _yarn() -> Resolver:

    return YarnResolver()


def _pnpm() -> Resolver:

    return PnpmResolver()


# tool -> its resolver; adding a package manager is one line here.
RESOLVERS: dict[str, Callable[[], Resolver]] = {
    "npm": _npm,
    "npx": _npx,
    "yarn": _yarn,
    "pnpm": _pnpm,
    "pip": _pip,
    "uv": _uv,
}


def guard(wrapped: Wrapped, options: GuardOptions, policy: Policy, *, can_ask: bool) -> int | None:
    """None when the real command may run now; otherwise the exit code to stop with."""
    try:
        plan = RESOLVERS[wrapped.tool]().plan(wrapped)
    except ResolutionFailed as failed:
        return _resolution_failed(failed, options)
    if plan is None:
        return 0 if options.dry_run else None  # this command installs nothing
    write([plan_line(wrapped, plan)], sys.stderr)
    if not plan.packages and not plan.unchecked:
        return 0 if options.dry_run else None
    return _check_and_decide(wrapped, plan, options, policy, can_ask)


def _check_and_decide(
    wrapped: Wrapped, plan: Plan, options: GuardOptions, policy: Policy, can_ask: bool
) -> int | None:

    checked = check(plan, policy, options.jobs)
    write(render(plan, checked), sys.stderr)
    decision = decide(checked, options, can_ask=can_ask)
    if decision.action == "ask":
        if confirm("depshield: install anyway?"):
            return None
        write(["depshield: not installing (not confirmed)"], sys.stderr)
        return STOPPED
    lines = [f"depshield: {decision.reason}"] if decision.reason else []
    if decision.action == "stop" and decision.exit_code:
        tip = safe_version_tip(plan, checked, wrapped.argv[0]) or decision.tip
        lines += [f"Tip: {tip}"] if tip else []
    write(lines, sys.stderr)
    return None if decision.action == "run" else decision.exit_code


def _resolution_failed(failed: ResolutionFailed, options: GuardOptions) -> int | None:
    # The package manager's own words first, exactly as it wrote them.
    sys.stdout.write(failed.stdout)
    sys.stdout.flush()
    sys.stderr.write(failed.stderr)
    lines = [f"depshield: {failed.message}; nothing was installed"]
    if failed.tip:
        lines.append(f"Tip: {failed.tip}")
    if options.force and not options.dry_run:
        lines.append("depshield: --force: running the command without checking it")
        write(lines, sys.stderr)
        return None
    write(lines, sys.stderr)
    return failed.exit_code
