"""Category scores (0-100) from alerts, and the overall score (docs/scores.md)."""

from __future__ import annotations

from collections.abc import Iterable

from depshield.model import Alert, Scores, Verdict

# Each alert multiplies its category's score by (1 - weight); one type counts once per package
# at its worst severity, so fifty network calls weigh what one does.
WEIGHTS = {"critical": 0.7, "high": 0.35, "middle": 0.12, "low": 0.03}
IGNORED_FACTOR = 0.3  # alerts the policy ignores still say something about the package

# The verdict decides the band of the supply-chain and overall scores, the alerts the place
# inside it, so a warned package never outscores a passing one (issue 12).
BANDS: dict[str, tuple[int, int]] = {"pass": (60, 100), "warn": (30, 59), "block": (0, 29)}

CATEGORY_FIELDS = {
    "supplyChainRisk": "supplyChain",
    "quality": "quality",
    "maintenance": "maintenance",
    "vulnerability": "vulnerability",
    "license": "license",
}


def score(
    alerts: Iterable[Alert], verdict: Verdict | None = None, *, vulnerabilities_checked: bool = True
) -> Scores:
    """Category scores; with a verdict, supplyChain and overall are placed in its band. Without
    a vulnerability check its score is None (not checked) and the overall score is taken over
    what was checked."""
    worst: dict[tuple[str, str], float] = {}
    for alert in alerts:
        weight = WEIGHTS[alert.severity]
        if alert.action == "ignore":
            weight *= IGNORED_FACTOR
        key = (alert.category, alert.type)
        worst[key] = max(worst.get(key, 0.0), weight)
    values = dict.fromkeys(CATEGORY_FIELDS.values(), 1.0)
    for (category, _), weight in worst.items():
        field = CATEGORY_FIELDS.get(category, "supplyChain")
        values[field] *= 1.0 - weight
    cats = {k: round(v * 100) for k, v in values.items()}
    if not vulnerabilities_checked:
        del cats["vulnerability"]
    mean = sum(cats.values()) / len(cats)
    # A package is as risky as its worst supply-chain or vulnerability signal; the softer
    # categories only pull the overall score down through the mean.
    overall = round(min(cats["supplyChain"], cats.get("vulnerability", 100), mean))
    if verdict is not None:
        cats["supplyChain"] = in_band(verdict, cats["supplyChain"])
        overall = in_band(verdict, overall)
    return Scores(overall=overall, vulnerability=cats.pop("vulnerability", None), **cats)


def in_band(verdict: Verdict, raw: int) -> int:
    """`raw` (0-100) scaled into the verdict's band: 100 is the top of the band, 0 its floor."""
    low, high = BANDS[verdict]
    return low + round((high - low) * max(0, min(100, raw)) / 100)
