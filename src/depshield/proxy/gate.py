"""The artifact gate: fetch once, verify, analyse once (whoever asks, however many at once), judge.

An artifact is keyed by what the upstream document promised for it (npm's integrity, PyPI's
sha256): a second client asking while the first download or analysis runs waits for the same
work. Analyses run in threads, at most `max_analyses` at a time; the event loop only waits.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anyio

from depshield.model import PackageResult
from depshield.proxy.settings import ProxySettings

_REMEMBERED = 4096  # judged artifacts kept in memory; the analysis cache on disk keeps the rest


@dataclass(frozen=True, slots=True)
class Judged:
    path: Path | None  # the stored, verified artifact (None when it could not be fetched)
    digest: str | None
    result: PackageResult | None
    problem: str | None = None  # why there is no result (download refused, too large, ...)


@dataclass(frozen=True, slots=True)
class Ruling:
    serve: bool
    verdict: str
    reason: str


Work = Callable[[], Judged]


class Gate:
    def __init__(self, settings: ProxySettings) -> None:
        self.settings = settings
        self._limiter = anyio.CapacityLimiter(max(1, settings.max_analyses))
        self._inflight: dict[str, asyncio.Future[Judged]] = {}
        self._judged: OrderedDict[str, Judged] = OrderedDict()
        self.analyses = 0  # how many times work actually ran (the bench and tests read it)

    async def judge(self, key: str, work: Work) -> Judged:
        done = self._judged.get(key)
        if done is not None:
            self._judged.move_to_end(key)
            return done
        waiting = self._inflight.get(key)
        if waiting is not None:
            return await asyncio.shield(waiting)
        future: asyncio.Future[Judged] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            self.analyses += 1
            judged = await anyio.to_thread.run_sync(work, limiter=self._limiter)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody logs it as lost
            raise
        finally:
            self._inflight.pop(key, None)
        if judged.result is not None:  # failures are retried by the next request
            self._judged[key] = judged
            if len(self._judged) > _REMEMBERED:
                self._judged.popitem(last=False)
        future.set_result(judged)
        return judged

    def rule(self, judged: Judged, label: str) -> Ruling:
        """Serve or refuse, with the one line a client shows when refused."""
        result = judged.result
        if result is None:
            return Ruling(
                False, "unchecked", f"depshield could not check {label}: {judged.problem}"
            )
        if result.skipped:
            return Ruling(
                False, "unchecked", f"depshield could not analyse {label}: {result.skipped}"
            )
        if result.verdict == "block":
            return Ruling(False, "block", refusal(label, result, "blocked"))
        if result.verdict == "warn" and self.settings.warn == "refuse":
            return Ruling(False, "warn", refusal(label, result, "refused (warnings)"))
        return Ruling(True, result.verdict, f"{label}: {result.verdict}")


def refusal(label: str, result: PackageResult, what: str) -> str:
    """`depshield blocked x@1: type (file:line), ...; to allow it: ...` on one line."""
    wanted = "error" if result.verdict == "block" else "warn"
    alerts = [a for a in result.alerts if a.action == wanted] or list(result.alerts)
    shown = []
    for alert in alerts[:3]:
        where = f"{alert.file}:{alert.line}" if alert.file and alert.line else alert.file
        shown.append(f"{alert.type} ({where})" if where else alert.type)
    more = f" and {len(alerts) - 3} more" if len(alerts) > 3 else ""
    types = sorted({a.type for a in alerts})
    allow = (
        f'to allow it, add [[ignore]] package = "{label}" types = {types!r} reason = "..." '
        "to depshield.toml"
    ).replace("'", '"')
    return f"depshield {what} {label}: {', '.join(shown)}{more}; {allow}"
