"""Category scores (0-100) from alerts, and the overall score."""

from __future__ import annotations

from collections.abc import Iterable

from depshield.model import Alert, Scores

# Each alert multiplies its category's score by (1 - weight); one type counts once per package
# at its worst severity, so fifty network calls weigh what one does.
WEIGHTS = {"critical": 0.7, "high": 0.35, "middle": 0.12, "low": 0.03}
IGNORED_FACTOR = 0.3  # alerts the policy ignores still say something about the package

CATEGORY_FIELDS = {
    "supplyChainRisk": "supplyChain",
    "quality": "quality",
    "maintenance": "maintenance",
    "vulnerability": "vulnerability",
    "license": "license",
}


def score(alerts: Iterable[Alert], *, vulnerabilities_checked: bool = True) -> Scores:
    """Category scores; without a vulnerability check its score is None (not checked) and the
    overall score is taken over what was checked."""
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
    return Scores(overall=overall, vulnerability=cats.pop("vulnerability", None), **cats)
