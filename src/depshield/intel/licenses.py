"""License findings for one package version: what it declares, ships and allows, and changes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from depshield.ecosystems.plugins import plugins
from depshield.intel import license_text, spdx
from depshield.intel.license_data import (
    AMBIGUOUS_CLASSIFIERS,
    CLASSIFIERS,
    UNLICENSED,
    is_copyleft,
    is_nonpermissive,
)
from depshield.model import Finding

normalise = spdx.normalise

_SEE_FILE = re.compile(r"^see licen[cs]e in\s+(\S+)", re.IGNORECASE)
_SHORT_DECLARED = 80  # longer, or several lines: a license text pasted in, not an identifier
_COMMONS_CLAUSE = re.compile(r"commons[- ]clause", re.IGNORECASE)
_PROPRIETARY_CLASSIFIER = "Other/Proprietary License"


@dataclass(frozen=True, slots=True)
class _Manifest:
    """Where declared-license findings point: the manifest file and its lines, when known."""

    ecosystem: str
    file: str
    lines: tuple[str, ...]

    def declared_line(self) -> int:
        eco = plugins().get(self.ecosystem)
        pattern = eco.license_line if eco else None
        return self._first(lambda line: bool(pattern and pattern.match(line)))

    def classifier_line(self, classifier: str) -> int:
        wanted = f"Classifier: {classifier}"
        return self._first(lambda line: line.strip() == wanted)

    def _first(self, test: Callable[[str], bool]) -> int:
        for number, line in enumerate(self.lines, start=1):
            if test(line):
                return number
        return 0


@dataclass(frozen=True, slots=True)
class _License:
    """One statement of the license: an SPDX expression and where it was read."""

    spdx: str
    file: str
    line: int


def license_findings(
    ecosystem: str,
    declared: str | None,
    classifiers: Sequence[str] = (),
    paths: Sequence[str] = (),
    license_texts: Mapping[str, bytes] | None = None,
    allowed: Sequence[str] = (),
    manifest_text: tuple[str, bytes] | None = None,
) -> list[Finding]:
    """License findings for a package: declared value, PyPI classifiers, shipped license files
    (`license_texts` maps their paths to bytes) and the project's `allowed` SPDX ids."""
    manifest = _manifest(ecosystem, manifest_text)
    texts = license_texts or {}
    findings: list[Finding] = []
    declared_text = declared.strip() if isinstance(declared, str) else ""
    if declared_text.upper() == "UNKNOWN":  # what setuptools writes when nothing was given
        declared_text = ""
    if declared_text.startswith("License ::"):  # PyPI readers fall back to the first classifier
        classifiers = (
            [*classifiers, declared_text] if declared_text not in classifiers else classifiers
        )
        declared_text = ""
    fallback: list[Finding] = []
    stated = _from_declared(declared_text, manifest, texts, findings, fallback)
    from_classifiers = _from_classifiers(classifiers, manifest, findings, quiet=stated is not None)
    files = license_text.license_files(list(paths) + [p for p in texts if p not in paths])
    from_files = _from_files(files, texts, findings, quiet=bool(stated or from_classifiers))
    if not from_classifiers and not from_files:
        findings.extend(fallback)
    if not declared_text and not classifiers and not files:
        findings.append(
            Finding("noLicenseFound", manifest.file, 0, "no license declared or shipped")
        )
    effective = stated or _join(from_classifiers, "OR") or _join(from_files, "AND")
    if effective is not None:
        findings.extend(_judge(effective, allowed))
    return findings


def license_change(
    old: str | None, new: str | None, file: str = "", line: int = 0
) -> Finding | None:
    """A licenseChange finding when the license of the new version differs from the old one."""
    old_text = old.strip() if isinstance(old, str) else ""
    new_text = new.strip() if isinstance(new, str) else ""
    if not old_text and not new_text:
        return None
    before, after = normalise(old_text) or old_text, normalise(new_text) or new_text
    if before and after and spdx.same_license(before, after):
        return None
    return Finding(
        "licenseChange",
        file,
        line,
        f"{before or 'none'!r} -> {after or 'none'!r}",
        {"previous": before or None, "license": after or None},
    )


def _manifest(ecosystem: str, manifest_text: tuple[str, bytes] | None) -> _Manifest:
    if manifest_text is None:
        eco = plugins().get(ecosystem)
        return _Manifest(ecosystem, eco.license_manifest if eco else "", ())
    path, data = manifest_text
    lines = tuple(data[: 1 << 20].decode("utf-8", "replace").splitlines())
    return _Manifest(ecosystem, path, lines)


def _from_declared(
    text: str,
    manifest: _Manifest,
    texts: Mapping[str, bytes],
    findings: list[Finding],
    fallback: list[Finding],
) -> _License | None:
    """The declared value as SPDX, or a finding saying why it cannot be one (in `fallback` when
    it only matters if nothing else states the license)."""
    if not text:
        return None
    line = manifest.declared_line()
    if _COMMONS_CLAUSE.search(text):
        # "Apache-2.0 WITH Commons-Clause": the base license minus the right to sell.
        props = {"spdx": text, "licenses": ["Commons-Clause"]}
        findings.append(Finding("nonpermissiveLicense", manifest.file, line, text[:200], props))
        return None
    pasted = "\n" in text or len(text) > _SHORT_DECLARED
    expression = normalise(text)
    if expression is None and pasted:
        expression = license_text.identify(text.encode())  # a whole license pasted in
    if expression is None and (see := _SEE_FILE.match(text)):
        expression = _see_file(see.group(1), texts)
    if expression is not None:
        return _License(expression, manifest.file, line)
    evidence = text.splitlines()[0][:200]
    if pasted:  # a license text no rule names: classifiers or license files may still say
        fallback.append(
            Finding("unidentifiedLicense", manifest.file, line, evidence, {"license": evidence})
        )
    elif UNLICENSED.search(text):
        findings.append(
            Finding("explicitlyUnlicensedItem", manifest.file, line, evidence, {"license": text})
        )
    else:
        findings.append(
            Finding("unidentifiedLicense", manifest.file, line, evidence, {"license": text})
        )
    return None


def _see_file(name: str, texts: Mapping[str, bytes]) -> str | None:
    """npm's `SEE LICENSE IN <file>`: the license the named file states, when it is known."""
    wanted = name.lstrip("./")
    for path, data in texts.items():
        if path == wanted or path.endswith("/" + wanted):
            return license_text.identify(data)
    return None


def _from_classifiers(
    classifiers: Sequence[str], manifest: _Manifest, findings: list[Finding], quiet: bool
) -> list[_License]:
    """Exact classifiers as SPDX ids; ambiguous ones reported unless a declared license
    already settles the question (`quiet`)."""
    found: list[_License] = []
    for classifier in classifiers:
        if not isinstance(classifier, str) or not classifier.startswith("License ::"):
            continue
        name = classifier.removeprefix("License ::").strip()
        line = manifest.classifier_line(classifier)
        if name in CLASSIFIERS:
            found.append(_License(CLASSIFIERS[name], manifest.file, line))
        elif name == _PROPRIETARY_CLASSIFIER and not quiet:
            findings.append(
                Finding("explicitlyUnlicensedItem", manifest.file, line, classifier,
                        {"license": classifier})
            )  # fmt: skip
        elif not quiet:
            reason = "family" if name in AMBIGUOUS_CLASSIFIERS else "unknown"
            findings.append(
                Finding("ambiguousClassifier", manifest.file, line, classifier,
                        {"classifier": classifier, "why": reason})
            )  # fmt: skip
    return found


def _from_files(
    files: list[str], texts: Mapping[str, bytes], findings: list[Finding], quiet: bool
) -> list[_License]:
    """Licenses stated by the shallowest license files; an unreadable one is reported only
    when nothing else states the license (`quiet`)."""
    found: list[_License] = []
    terms = [f for f in files if not license_text.is_notice(f) and f in texts]
    depth = min((f.count("/") for f in terms), default=0)
    for path in (f for f in terms if f.count("/") == depth):
        identified = license_text.identify(texts[path])
        if identified is not None:
            found.append(_License(identified, path, 0))
        elif not quiet:
            first = license_text.first_line(texts[path])
            findings.append(Finding("unidentifiedLicense", path, 1, first, {"license": first}))
    return found


def _join(found: list[_License], operator: str) -> _License | None:
    if not found:
        return None
    ids = list(dict.fromkeys(f.spdx for f in found))
    expression = f" {operator} ".join(f"({i})" if " " in i else i for i in ids)
    return _License(expression, found[0].file, found[0].line)


def _judge(stated: _License, allowed: Sequence[str]) -> list[Finding]:
    """Copyleft, non-permissive and policy findings for the license the package is under."""
    choices = spdx.choices(stated.spdx)
    out: list[Finding] = []
    for kind, test in (
        ("copyleftLicense", is_copyleft),
        ("nonpermissiveLicense", is_nonpermissive),
    ):
        # Only when every choice carries such a license: `MIT OR GPL-3.0` can be used as MIT.
        if choices and all(any(test(spdx.base_id(i)) for i in c) for c in choices):
            hits = sorted({i for c in choices for i in c if test(spdx.base_id(i))})
            props = {"spdx": stated.spdx, "licenses": hits}
            out.append(Finding(kind, stated.file, stated.line, stated.spdx, props))
    policy = frozenset(normalise(a) or a for a in allowed if isinstance(a, str) and a.strip())
    if policy and choices and not any(all(spdx.is_allowed(i, policy) for i in c) for c in choices):
        props = {"spdx": stated.spdx, "allowed": sorted(policy)}
        out.append(Finding("licenseSpdxDisj", stated.file, stated.line, stated.spdx, props))
    return out
