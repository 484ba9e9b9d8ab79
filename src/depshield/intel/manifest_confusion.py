"""manifestConfusion: the registry's version document against the tarball's own package.json."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

from depshield.ecosystems.base import ManifestAnalysis
from depshield.model import Finding, PackageRef

PACKAGE_JSON = "package.json"
# npm publish adds this install script to the registry document when the package has a
# binding.gyp and no install/preinstall script of its own (@npmcli/package-json `gypfile`).
_GYP = ("install", "node-gyp rebuild")
_MAP_FIELDS = ("scripts", "dependencies", "optionalDependencies", "bin")


def confusion_findings(
    ref: PackageRef, metadata: Mapping[str, Any], manifest: ManifestAnalysis | None
) -> tuple[list[Finding], str | None]:
    """(findings, why it could not be checked) comparing name, version, scripts, dependencies,
    optionalDependencies and bin.

    A key the registry's version document leaves out means "none", as it does for npm itself:
    the manifest-confusion attack is exactly a document without the scripts the tarball has.
    The document must be a whole version document (name, version and dist), so a compact or
    partial one never fires.
    """
    doc = metadata
    if isinstance(metadata.get("versions"), Mapping):
        doc = metadata["versions"].get(ref.version or "") or {}
    if not all(k in doc for k in ("name", "version", "dist")):
        return [], "no version document from the registry"
    if manifest is None or "scripts" not in manifest.extra:
        return [], "no package.json read from the tarball"
    lines = _script_lines(manifest)
    found = []
    for name, registry, tarball in _compared(doc, manifest):
        if registry == tarball:
            continue
        line = 0
        if isinstance(registry, dict) and isinstance(tarball, dict):
            keys = sorted(set(registry) ^ set(tarball) | _changed(registry, tarball))
            registry = {k: registry.get(k) for k in keys}
            tarball = {k: tarball.get(k) for k in keys}
            line = min((lines[k] for k in keys if name == "scripts" and k in lines), default=0)
        props = {"field": name, "registry": registry, "tarball": tarball}
        found.append(Finding("manifestConfusion", PACKAGE_JSON, line, _evidence(props), props))
    return found, None


def _compared(doc: Mapping[str, Any], manifest: ManifestAnalysis) -> Iterator[tuple[str, Any, Any]]:
    extra = manifest.extra
    if manifest.name is not None:
        yield "name", doc.get("name"), manifest.name
    if manifest.version is not None:
        yield "version", _clean(doc.get("version")), _clean(manifest.version)
    scripts = _strings(doc.get("scripts"))
    tar_scripts = _strings(extra.get("scripts"))
    if scripts.get(_GYP[0]) == _GYP[1] and not {"install", "preinstall"} & set(tar_scripts):
        del scripts[_GYP[0]]
    yield "scripts", scripts, tar_scripts
    # npm copies optionalDependencies into dependencies when it publishes.
    optional = _strings(doc.get("optionalDependencies"))
    tar_optional = _strings(extra.get("optionalDependencies"))
    deps = {**_strings(doc.get("dependencies")), **optional}
    yield "dependencies", deps, {**_strings(extra.get("dependencies")), **tar_optional}
    yield "optionalDependencies", optional, tar_optional
    directories = doc.get("directories")
    if "bin" in doc or not (isinstance(directories, Mapping) and "bin" in directories):
        # Without `bin`, a `directories.bin` needs the file list to expand: not compared.
        yield "bin", _bins(doc.get("bin"), doc.get("name")), _bins(extra.get("bin"), None)


def _bins(value: Any, name: Any) -> dict[str, str]:
    """A bin field (string or object) as {command: target} the way npm normalises it."""
    if isinstance(value, str) and isinstance(name, str):
        value = {name.rsplit("/", 1)[-1]: value}
    if not isinstance(value, Mapping):
        return {}
    return {
        posixpath.basename(str(k)): posixpath.normpath(v.strip().removeprefix("./"))
        for k, v in value.items()
        if isinstance(v, str) and v.strip()
    }


def _script_lines(manifest: ManifestAnalysis) -> dict[str, int]:
    """Lines of the install scripts in the tarball's package.json, from the manifest findings."""
    return {
        str(f.props.get("script")): f.line
        for f in manifest.findings
        if f.type == "installScripts" and f.file == PACKAGE_JSON and f.line
    }


def _changed(a: Mapping[str, Any], b: Mapping[str, Any]) -> set[str]:
    return {k for k in a.keys() & b.keys() if a[k] != b[k]}


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def _clean(value: Any) -> Any:
    """npm's semver.clean for the comparison: surrounding space, a leading `=` or `v`."""
    return value.strip().lstrip("=v").strip() if isinstance(value, str) else value


def _evidence(props: Mapping[str, Any]) -> str:
    name, registry, tarball = props["field"], props["registry"], props["tarball"]
    if not isinstance(registry, dict):
        return f"{name}: registry {registry!r}, tarball {tarball!r}"
    parts = [
        f"{name}.{k}: registry {_show(registry[k])}, tarball {_show(tarball[k])}"
        for k in list(registry)[:3]
    ]
    more = len(registry) - 3
    return "; ".join(parts) + (f"; {more} more" if more > 0 else "")


def _show(value: Any) -> str:
    return "(none)" if value is None else repr(value)
