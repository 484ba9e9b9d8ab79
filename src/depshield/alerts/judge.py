"""The judge: findings + manifest -> alerts from the catalog, threats, verdict and scores."""

from __future__ import annotations

import datetime as dt
import posixpath
from collections import defaultdict
from collections.abc import Sequence

from depshield.alerts.catalog import catalog_entry
from depshield.alerts.dependency_use import dependency_findings
from depshield.alerts.grading import grade, shipped
from depshield.alerts.links import import_graph, install_entries, started_files
from depshield.alerts.reach import Timing, reachable, resolve_import
from depshield.alerts.squats import grade_squats
from depshield.alerts.threats import Context, correlate
from depshield.alerts.unanalysed import skipped_files, unanalysed_findings
from depshield.analyzers.base import SIGNALS
from depshield.artifacts.base import Refused
from depshield.ecosystems.base import ManifestAnalysis
from depshield.ecosystems.plugins import plugin
from depshield.model import (
    Alert,
    FileAnalysis,
    Finding,
    Override,
    PackageRef,
    PackageResult,
    When,
)
from depshield.policy import Policy, verdict_of
from depshield.scoring import score
from depshield.vulns import NOT_CHECKED_NOTES

MAX_PER_TYPE = 25  # alerts of one type shown per package; the rest are counted
CODE_LANGUAGES = ("javascript", "typescript", "python")
CAPABILITY_OF = {
    "envVars": "env",
    "usesEval": "eval",
    "filesystemAccess": "fs",
    "networkAccess": "net",
    "shellAccess": "shell",
    "debugAccess": "unsafe",
    "hasNativeCode": "unsafe",
    "urlStrings": "url",
}


def judge(
    ref: PackageRef,
    manifest: ManifestAnalysis,
    files: Sequence[FileAnalysis],
    paths: Sequence[str],
    refused: Sequence[Refused],
    *,
    policy: Policy,
    artifact: str | None = None,
    digest: str | None = None,
    extra_findings: Sequence[Finding] = (),
    extra_notes: Sequence[str] = (),
) -> PackageResult:
    """`extra_findings` come from outside the artifact (registry metadata, a version diff)."""
    path_set = frozenset(paths)
    imports = import_graph(files, path_set)
    missing = manifest.extra.get("missing_install_entries") or ()
    entries = install_entries(manifest.install_entries, missing, path_set)
    entries += started_files(manifest.findings, path_set)  # `sh build.sh` in a lifecycle script
    timing = Timing(
        reachable(entries, imports, path_set),
        reachable(manifest.import_entries, imports, path_set),
    )
    findings = [*manifest.findings, *(f for fa in files for f in fa.findings)]
    findings += correlate(_contexts(findings, timing, imports, path_set))
    findings += _package_findings(files, imports, path_set, timing)
    running = frozenset(timing.install_files | timing.import_files)
    findings += dependency_findings(manifest, files, running)
    findings += extra_findings
    findings, in_tests = _without_test_capabilities(findings, timing)
    skipped = skipped_files(files, refused)
    install = timing.install_files | set(manifest.install_entries)
    findings += unanalysed_findings(skipped, install, manifest.import_entries)
    alerts, notes = _alerts(ref, findings, timing, policy, path_set)
    alerts = grade_squats(
        alerts, ref.name, manifest.extra.get("home_urls") or (), "didYouMean" in policy.actions
    )
    alerts.sort(key=_rank)
    if in_tests:
        notes.append(f"{in_tests} capability alerts in test files not listed (docs/output.md)")
    notes += extra_notes
    notes += [f"{fa.path}: {fa.skipped}" for fa in files if fa.skipped]
    notes += [f"{r.path}: {r.reason}" for r in refused]
    notes += [
        f"ignore for {e.package!r} expired on {e.expires} ({e.reason})"
        for e in policy.expired_ignores(ref)
    ]
    verdict = verdict_of(a.action for a in alerts)
    return PackageResult(
        ref=PackageRef(ref.ecosystem, ref.name, ref.version or manifest.version),
        verdict=verdict,
        scores=score(
            alerts, verdict, vulnerabilities_checked=not any(n in NOT_CHECKED_NOTES for n in notes)
        ),
        capabilities=tuple(
            sorted({CAPABILITY_OF[a.type] for a in alerts if a.type in CAPABILITY_OF})
        ),
        alerts=tuple(alerts),
        artifact=artifact,
        digest=digest,
        notes=tuple(notes),
        skipped_files=tuple(skipped),
    )


def _without_test_capabilities(
    findings: list[Finding], timing: Timing
) -> tuple[list[Finding], int]:
    """Capability findings in a package's own tests are noise for its users; threats
    (correlated above, from every file) and code that runs at install or import stay."""
    from depshield.alerts.test_paths import is_test_path

    running = timing.install_files | timing.import_files
    kept = [
        f
        for f in findings
        if f.type not in CAPABILITY_OF or f.file in running or not is_test_path(f.file)
    ]
    return kept, len(findings) - len(kept)


def _contexts(
    findings: list[Finding],
    timing: Timing,
    imports: dict[str, tuple[str, ...]],
    paths: frozenset[str],
) -> list[Context]:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    install: list[Finding] = []
    native = tuple(sorted({f.file for f in findings if f.type == "hasNativeCode" and f.file}))
    for f in findings:
        if timing.when(f) is When.INSTALL:
            install.append(f)
        else:
            by_file[f.file].append(f)
    contexts = [Context(When.INSTALL, install, native)] if install else []
    for file, own in by_file.items():
        # A file together with the files it imports directly: `require('./send')(data)`.
        linked = list(own)
        for spec in imports.get(file, ()):
            target = resolve_import(spec, file, paths)
            if target and target != file:
                linked += by_file.get(target, [])
        top = [f for f in linked if timing.when(f) is When.IMPORT]
        if top:
            contexts.append(Context(When.IMPORT, top, native, file))
        contexts.append(Context(When.CALL, linked, native, file))
    return contexts


def _package_findings(
    files: Sequence[FileAnalysis],
    imports: dict[str, tuple[str, ...]],
    paths: frozenset[str],
    timing: Timing,
) -> list[Finding]:
    code = [fa for fa in files if fa.language in CODE_LANGUAGES]
    loc = sum(fa.lines_of_code for fa in code)
    out: list[Finding] = []
    if not code or loc == 0:
        out.append(Finding("emptyPackage", "", 0, "no JavaScript or Python code"))
    elif loc < 10:
        out.append(Finding("trivialPackage", "", 0, f"{loc} lines of code", {"linesOfCode": loc}))
    running = timing.install_files | timing.import_files
    for fa in code:
        if fa.language == "python" or fa.path not in running:
            # Only code that runs for the package's users counts (not tests or examples);
            # Python relative imports often name optional siblings, too noisy to judge.
            continue
        if _test_module(fa.path) or _compiled_declaration(fa.path):
            continue
        for spec in fa.imports:
            if _unjudged(spec, fa.path):
                continue
            if resolve_import(spec, fa.path, paths) is None and not _built_at_install(spec):
                props: dict[str, object] = {"specifier": spec}
                grade = None
                if spec in fa.optional_imports:  # loaded in a try: the file handles its absence
                    props["optional"] = True
                    grade = Override(action="monitor")
                out.append(Finding("unresolvedRequire", fa.path, 0, spec, props, override=grade))
    return out


# What a bundler resolves as an asset (`require("./ic_play.png")` under Metro or webpack):
# a missing one is a missing picture, not missing code.
_ASSETS = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".css", ".scss", ".less", ".ttf")


def _unjudged(spec: str, importer: str) -> bool:
    """Specifiers the package's own files cannot settle: a path that climbs out of the package
    (`../interact/index.js` from the root: a sibling package of a scoped family, installed
    beside it) and bundler assets."""
    climbs = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
    return climbs.startswith("../") or climbs == ".." or spec.lower().endswith(_ASSETS)


def _test_module(path: str) -> bool:
    """`x.test.js`, `x.spec.mjs`: a test runner loads it, the package's users never do."""
    name = path.rsplit("/", 1)[-1].lower()
    return any(f".{kind}." in name for kind in ("test", "spec"))


def _compiled_declaration(path: str) -> bool:
    """`x.d.js`: a `.d.ts` run through a compiler by mistake. Its imports name the modules the
    declarations describe (`./jsx.js`, published only as `jsx.d.ts`), types nothing loads."""
    return path.lower().endswith((".d.js", ".d.mjs", ".d.cjs"))


def _built_at_install(spec: str) -> bool:
    """Native addons and build output appear only after node-gyp or a build step runs."""
    return spec.endswith(".node") or "/build/" in spec or spec.startswith(("./build", "../build"))


def _alerts(
    ref: PackageRef,
    findings: list[Finding],
    timing: Timing,
    policy: Policy,
    paths: frozenset[str] = frozenset(),
) -> tuple[list[Alert], list[str]]:
    install = [f for f in findings if timing.when(f) is When.INSTALL and f.type != "installScripts"]
    ecosystem = plugin(ref.ecosystem)
    install_quiet = ecosystem.install_is_quiet(install, paths)
    alerts: list[Alert] = []
    notes: list[str] = []
    counts: dict[str, int] = defaultdict(int)
    seen: set[tuple[str, str, int, str]] = set()
    for f in findings:
        if f.type in SIGNALS:
            continue
        entry = catalog_entry(f.type)
        key = (f.type, f.file, f.line, f.evidence)
        if key in seen:
            continue
        seen.add(key)
        if _advisory_ignored(ref, f, policy, notes):
            continue
        ignore = policy.ignore_for(ref, f.type)
        if ignore is not None:
            notes.append(f"{f.type} at {f.file}:{f.line} ignored: {ignore.reason}")
            continue
        counts[f.type] += 1
        if counts[f.type] > MAX_PER_TYPE:
            continue
        props = dict(f.props)
        when = timing.when(f)
        props.setdefault("when", when.value)
        graded = grade(
            f,
            when,
            entry,
            ecosystem=ecosystem,
            install_quiet=install_quiet,
            shipped=shipped(f.file, timing.import_files),
        )
        if graded.note:
            props["note"] = graded.note
        alerts.append(
            Alert(
                type=f.type,
                category=entry.category,
                severity=graded.severity,
                action=policy.actions.get(f.type) or graded.action,
                title=entry.title,
                message=_message(entry.title, f),
                file=f.file or None,
                line=f.line or None,
                evidence=f.evidence or None,
                props=props,
            )
        )
    for type_, n in counts.items():
        if n > MAX_PER_TYPE:
            notes.append(f"{n - MAX_PER_TYPE} more {type_} alerts not listed")
    alerts.sort(key=_rank)
    return alerts, notes


def _advisory_ignored(ref: PackageRef, f: Finding, policy: Policy, notes: list[str]) -> bool:
    """`[[ignore]] id = "GHSA-..."` / `--ignore-vuln ID`: a live entry hides the advisory's
    finding (with a note); an expired one no longer applies, and says so."""
    ident = f.props.get("id")
    if not isinstance(ident, str) or not policy.ignores:
        return False
    entries = policy.advisory_ignores(ref, [ident, *(f.props.get("aliases") or ())])
    for entry in entries:
        if not entry.expired(dt.date.today()):
            until = f" until {entry.expires}" if entry.expires else ""
            notes.append(f"{ident} ignored{until}: {entry.reason}")
            return True
    notes += [
        f"ignore for {e.advisory} expired on {e.expires} ({e.reason}): it applies no longer"
        for e in entries
    ]
    return False


SEVERITY_RANK = {"critical": 0, "high": 1, "middle": 2, "low": 3}
ACTION_RANK = {"error": 0, "warn": 1, "monitor": 2, "ignore": 3}


def _rank(alert: Alert) -> tuple[int, int, str, int]:
    return (
        ACTION_RANK[alert.action],
        SEVERITY_RANK[alert.severity],
        alert.file or "",
        alert.line or 0,
    )


def _message(title: str, f: Finding) -> str:
    where = f" in {f.file}" + (f":{f.line}" if f.line else "") if f.file else ""
    return f"{title}{where}"
