"""npm manifest analysis: what the tarball's own package.json says and what it leaves out."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from depshield.ecosystems.base import ManifestAnalysis
from depshield.ecosystems.npm.dependencies import dependency_findings, shipped_local_packages
from depshield.ecosystems.npm.entries import bin_findings, bins, import_entries
from depshield.ecosystems.npm.hygiene import home_urls, hygiene_findings
from depshield.ecosystems.npm.package_json import PACKAGE_JSON, PackageJson, load
from depshield.ecosystems.npm.scripts import read_install_scripts
from depshield.model import Finding

SHRINKWRAP = "npm-shrinkwrap.json"
_KEPT = frozenset({PACKAGE_JSON, SHRINKWRAP})
_DEPENDENCY_FIELDS = ("dependencies", "optionalDependencies", "peerDependencies", "devDependencies")


def keeps(path: str) -> bool:
    """Only the root package.json and npm-shrinkwrap.json; nested ones belong to other packages."""
    return path in _KEPT


def read_manifest(files: Mapping[str, bytes], paths: Sequence[str]) -> ManifestAnalysis:
    """Findings, entry files, license and raw fields of the package.json in `files`."""
    loaded = load(files.get(PACKAGE_JSON))
    if isinstance(loaded, Finding):
        return ManifestAnalysis(None, None, (loaded,))
    pkg = loaded
    present = frozenset(paths)
    scripts = read_install_scripts(pkg, present)
    found_bins = bins(pkg, present)
    findings = [
        *_identity_findings(pkg),
        *scripts.findings,
        *shipped_local_packages(dependency_findings(pkg), present),
        *bin_findings(pkg, found_bins),
        *hygiene_findings(pkg, present),
    ]
    extra: dict[str, Any] = {
        field: _string_map(pkg.data.get(field)) for field in _DEPENDENCY_FIELDS
    }
    extra.update(
        scripts=_string_map(pkg.data.get("scripts")),
        install_scripts=dict(scripts.scripts or {}),
        missing_install_entries=scripts.missing,
        bin={b.name: b.target for b in found_bins},
        bin_entries=tuple(dict.fromkeys(b.path for b in found_bins if b.path in present)),
        missing_bin_targets=tuple(b.target for b in found_bins if b.path not in present),
        description=_text(pkg.data.get("description")),
        home_urls=home_urls(pkg.data),
        dependency_lines={n: pkg.line("dependencies", n) for n in extra["dependencies"]},
    )
    name, version = pkg.data.get("name"), pkg.data.get("version")
    return ManifestAnalysis(
        name=name if isinstance(name, str) else None,
        version=version if isinstance(version, str) else None,
        findings=tuple(findings),
        install_entries=scripts.entries,
        import_entries=import_entries(pkg, present),
        license=license_of(pkg.data),
        extra=extra,
    )


def _identity_findings(pkg: PackageJson) -> Iterator[Finding]:
    """invalidPackageJSON for an unusable name or version; badSemver for a non-semver version.

    A `private` package is an application, never published, so it may omit both.
    """
    for key in ("name", "version"):
        value = pkg.data.get(key)
        if value is None and pkg.data.get("private") is True:
            continue
        if not isinstance(value, str) or not value.strip():
            reason = f"{key} is missing" if value is None else f"{key} is not a non-empty string"
            props = {"reason": reason}
            yield Finding("invalidPackageJSON", PACKAGE_JSON, pkg.line(key), reason, props)
    version = pkg.data.get("version")
    if isinstance(version, str) and version.strip() and not _is_semver(version):
        evidence = f'"version": "{version}"'
        props = {"version": version}
        yield Finding("badSemver", PACKAGE_JSON, pkg.line("version"), evidence, props)


# semver.org's own regular expression (with npm's tolerated leading "v" or "="): it answers
# for nearly every version without importing the semver port, whose import alone is slow.
_SEMVER = re.compile(
    r"^[=v]?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def _is_semver(version: str) -> bool:
    if len(version) <= 256 and _SEMVER.match(version):
        return True
    import nodesemver

    # npm validates versions strictly at publish time (a leading "v" is tolerated, as in semver).
    try:
        return len(version) <= 256 and nodesemver.valid(version, False) is not None
    except Exception:  # the port raises odd types on odd input: not a version either way
        return False


def license_of(data: Mapping[str, Any]) -> str | None:
    """`license` as a string or `{"type"}`, else the legacy `licenses` list joined with OR."""
    value = data.get("license")
    if isinstance(value, dict):
        value = value.get("type")
    if isinstance(value, str) and value.strip():
        return value.strip()
    legacy = data.get("licenses")
    if not isinstance(legacy, list):
        return None
    names = [item.get("type") if isinstance(item, dict) else item for item in legacy]
    kept = [n.strip() for n in names if isinstance(n, str) and n.strip()]
    return " OR ".join(kept) or None


def _string_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(v, str)}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
