"""The detection benchmark's summary keeps benign sets apart and lists every benign warn."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import detection as det  # noqa: E402


def _outcome(set_: str, name: str, verdict: str, alerts: list[dict[str, object]]) -> det.Outcome:
    return det.Outcome(name, "npm", name, "1.0.0", set_, False, verdict, 0.1, 50.0, alerts)


def _alert(type_: str, action: str, file: str, line: int) -> dict[str, object]:
    return {"type": type_, "action": action, "file": file, "line": line, "evidence": ""}


def test_summary_separates_sets_and_lists_benign_warns_with_reasons() -> None:
    outcomes = [
        _outcome("malware", "bad", "block", [_alert("dataExfiltration", "error", "i.js", 3)]),
        _outcome("benign-top", "good", "pass", [_alert("networkAccess", "monitor", "a.js", 1)]),
        _outcome(
            "benign-wide",
            "tail",
            "warn",
            [
                _alert("dataExfiltration", "warn", "lib/x.js", 12),
                _alert("obfuscatedFile", "warn", "dist/y.js", 1),
            ],
        ),
    ]
    args = argparse.Namespace(ecosystem="npm", peer="skip", limit=0, sets="malware")
    text = det.summarize(outcomes, ["npm"], 0.05, args, 60.0)
    assert "| benign (top 300) | 1 | 0/1 = 0.000 | 0/1 = 0.000 |" in text
    assert "| benign (long tail) | 1 | 0/1 = 0.000 | 1/1 = 1.000 |" in text
    assert "| benign (top + long tail) | 2 | 0/2 = 0.000 | 1/2 = 0.500 |" in text
    assert (
        "- `tail@1.0.0` [benign-wide] (warn): dataExfiltration (warn) lib/x.js:12;"
        " obfuscatedFile (warn) dist/y.js:1"
    ) in text
    assert "Threat alerts at warn+ on benign packages (1; target 0):" in text
    # Rule table: dataExfiltration fires on 1 malware (warn+ 1) and 1 benign (warn+ 1); the
    # fixtures column names the ecosystems of the coverage table's firing fixture + look-alike.
    assert "| dataExfiltration | npm, pypi | 1 | 1 | 1 | 1 |" in text
    assert "| networkAccess | npm, pypi | 0 | 0 | 1 | 0 |" in text


def test_items_reads_both_benign_sets_with_distinct_ids(tmp_path: Path) -> None:
    for manifest in ("benign/manifest.jsonl", "wide/benign/manifest.jsonl"):
        path = tmp_path / manifest
        path.parent.mkdir(parents=True)
        (path.parent / "a.tgz").write_bytes(b"")
        path.write_text('{"ecosystem": "npm", "name": "a", "version": "1", "file": "a.tgz"}\n')
    got = list(det.items("npm", tmp_path / "none.zip", tmp_path, ("benign-top", "benign-wide")))
    assert [(kind, item.id) for kind, item in got] == [
        ("benign-top", "npm/a@1"),
        ("benign-wide", "wide:npm/a@1"),
    ]


def test_reason_names_every_rule_and_counts_extra_places() -> None:
    alerts = [_alert("unresolvedRequire", "warn", f"lib/{n}.js", n) for n in (1, 2, 3, 4)]
    alerts.append(_alert("networkAccess", "monitor", "lib/net.js", 5))
    o = _outcome("benign-wide", "tail", "warn", alerts)
    assert (
        det._reason(o, det.WARN_UP) == "unresolvedRequire (warn) lib/1.js:1, lib/2.js:2 (+2 more)"
    )


def test_rule_table_marks_types_without_fixtures() -> None:
    o = _outcome("malware", "bad", "block", [_alert("noSuchAlertType", "error", "i.js", 3)])
    table = "\n".join(det._type_table([o], []))
    assert "| noSuchAlertType | none | 1 | 1 | 0 | 0 |" in table
