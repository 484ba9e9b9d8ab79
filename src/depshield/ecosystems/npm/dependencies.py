"""Classification of npm dependency specs the way npm-package-arg reads them."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from depshield.ecosystems.npm.package_json import PACKAGE_JSON, PackageJson
from depshield.model import Finding, Override

# Only these install for the package's consumers (npm 7+ installs peers); devDependencies don't.
INSTALLED_SECTIONS = ("dependencies", "optionalDependencies", "peerDependencies")

GITHUB_HOSTS = frozenset(
    {"github.com", "www.github.com", "codeload.github.com", "gist.github.com", "api.github.com"}
)
_PROTOCOL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
# npm-package-arg's isFileSpec: relative, home, absolute or Windows drive paths.
_FILE_SPEC = re.compile(r"^(?:\.|~/|[/\\]|[a-zA-Z]:)")
_TARBALL_NAME = re.compile(r"\.(?:tgz|tar\.gz|tar)$", re.IGNORECASE)
_SCP_GIT = re.compile(r"^[\w.-]+@(?P<host>[\w.-]+):")
# npm reads any URL-safe word that is not a range as a dist-tag; we call it a tag only when it
# reads like one (`next`, `beta`), so a mistyped version (`1.2.3.4`, `v2.0.0.1`) stays "bad".
_TAG = re.compile(r"^(?!v?\d)[A-Za-z][A-Za-z0-9\-_.]*$")
# node-semver refuses longer strings (MAX_LENGTH) and the regexes get slow past it.
_MAX_RANGE = 256
_FLOATING = frozenset({"", "*", "latest", "x", "X"})


# One or more `||`-joined sets of comparators over plain versions (what nearly every
# package.json uses); anything else goes to the real semver implementation.
_COMPARATOR = (
    r"(?:\^|~>?|[<>]=?|=)?\s*v?\d+(?:\.(?:\d+|[xX*])){0,2}(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?"
)
_SIMPLE_RANGE = re.compile(
    rf"^\s*{_COMPARATOR}(?:\s+{_COMPARATOR})*(?:\s*\|\|\s*{_COMPARATOR}(?:\s+{_COMPARATOR})*)*\s*$"
)


def dependency_findings(pkg: PackageJson) -> Iterator[Finding]:
    """One finding per installed dependency whose spec escapes registry checks or floats."""
    for section in INSTALLED_SECTIONS:
        deps = pkg.data.get(section)
        if not isinstance(deps, dict):
            continue
        for name, spec in deps.items():
            verdict = classify(spec)
            if verdict is None:
                continue
            kind, reason = verdict
            props: dict[str, Any] = {"dependency": name, "spec": spec, "section": section}
            if reason:
                props["reason"] = reason
            grade = None
            if kind == "httpDependency":
                why, grade = _http_grade(name, str(spec), pkg)
                props |= why
            evidence = f'"{name}": {spec!r}' if isinstance(spec, str) else f'"{name}"'
            line = pkg.line(section, name)
            yield Finding(kind, PACKAGE_JSON, line, evidence, props, override=grade)


_RELEASE_TARBALL = re.compile(
    r"^(?P<name>.+?)-v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?\.(?:tgz|tar\.gz)$"
)


def _http_grade(name: str, spec: str, pkg: PackageJson) -> tuple[dict[str, str], Override | None]:
    """An http(s) tarball dependency, judged by what can change under it. Over plain http
    anyone on the path can swap the code (warn). Over https, a tarball named after the
    dependency at one exact version (`xlsx-0.20.2.tgz` for `xlsx`), or on a host the
    manifest itself names as its homepage, repository or bug tracker, is a release the author
    chose to install from outside the registry: reported, not a warning."""
    try:
        parts = urlsplit(spec.strip())
    except ValueError:
        return {}, None
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() != "https" or not host:
        return {"reason": "plain http: the code can be swapped in transit"}, None
    file = parts.path.rsplit("/", 1)[-1]
    release = _RELEASE_TARBALL.match(file)
    if release and release.group("name").lower() == name.rsplit("/", 1)[-1].lower():
        reason = "an https release tarball of the dependency, pinned to one version"
    elif _own_host(host.removeprefix("www."), _manifest_hosts(pkg)):
        reason = "an https tarball on a host the manifest names as its own"
    else:
        return {}, None
    return {"reason": reason}, Override("middle", "monitor")


# Code-hosting services where anyone publishes: naming one says nothing about who owns a URL.
_SHARED_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "codeberg.org"})
_SHARED_SUFFIXES = (".github.io", ".gitlab.io", ".netlify.app", ".vercel.app", ".pages.dev")


def _own_host(host: str, named: set[str]) -> bool:
    """`host` is one the manifest names, or a subdomain of one (`cdn.example.invalid` for a
    homepage on `example.invalid`), and not a shared code-hosting service."""
    for own in named:
        if own in _SHARED_HOSTS or own.endswith(_SHARED_SUFFIXES):
            continue
        if host == own or host.endswith(f".{own}"):
            return True
    return False


def _manifest_hosts(pkg: PackageJson) -> set[str]:
    """Hosts of the manifest's homepage, repository and bugs URLs (`github:` shorthands and
    `git+https://` included)."""
    urls: list[object] = [pkg.data.get("homepage")]
    for key in ("repository", "bugs"):
        value = pkg.data.get(key)
        urls.append(value.get("url") if isinstance(value, dict) else value)
    hosts: set[str] = set()
    for url in urls:
        if not isinstance(url, str):
            continue
        text = url.strip()
        if text.startswith(("github:", "gitlab:", "bitbucket:", "gist:")):
            continue  # shared code hosts (see _SHARED_HOSTS)
        text = text.removeprefix("git+")
        host = url_host(text if "://" in text else f"https://{text}")
        if host:
            hosts.add(host.removeprefix("www."))
    return hosts


def shipped_local_packages(
    findings: Iterable[Finding], present: Collection[str]
) -> Iterator[Finding]:
    """fileDependency findings, raised to a warning when the spec names a package folder
    shipped inside this one (`"react": "file:./secret-deps"`): npm installs it with its own
    lifecycle scripts, under a name of the author's choosing, and no registry check sees it."""
    for f in findings:
        target = _local_folder(f.props.get("spec")) if f.type == "fileDependency" else None
        if target is not None and f"{target}/package.json" in present:
            reason = "a package shipped inside this one, installed with its own scripts"
            props = {**f.props, "reason": reason}
            grade = Override("high", "warn")
            yield Finding(f.type, f.file, f.line, f.evidence, props, f.top_level, override=grade)
        else:
            yield f


def _local_folder(spec: object) -> str | None:
    if not isinstance(spec, str):
        return None
    path = spec.strip().replace("\\", "/")
    if path.startswith(("file:", "link:")):
        path = path.split(":", 1)[1]
    elif not path.startswith("./"):
        return None
    if not path or path.startswith(("/", "~")) or ":" in path:
        return None
    clean = posixpath.normpath(path)
    return None if clean in (".", "..") or clean.startswith("../") else clean


def classify(spec: object) -> tuple[str, str] | None:
    """(finding type, reason) for a dependency spec, or None for a plain registry range."""
    if not isinstance(spec, str):
        return "badSemverDependency", "spec is not a string"
    text = spec.strip()
    if text.startswith("npm:"):
        return _classify_alias(text[4:])
    if _FILE_SPEC.match(text):
        return "fileDependency", ""
    protocol = _PROTOCOL.match(text)
    if protocol:
        return _classify_url(protocol.group(1).lower(), text)
    scp = _SCP_GIT.match(text)
    if scp:
        github = scp.group("host").lower() in GITHUB_HOSTS
        return ("gitHubDependency" if github else "gitDependency"), ""
    if is_github_shorthand(text):
        return "gitHubDependency", ""
    if "/" in text or _TARBALL_NAME.search(text):
        # npm-package-arg reads any other spec with a slash, or a tarball name, as a local path.
        return "fileDependency", ""
    return _classify_range(text)


def _classify_alias(rest: str) -> tuple[str, str] | None:
    """`npm:other@range` installs `other` under this name; judge the range it asks for."""
    at = rest.find("@", 1)
    return _classify_range(rest[at + 1 :].strip() if at != -1 else "")


def _classify_url(protocol: str, text: str) -> tuple[str, str] | None:
    if protocol in ("file", "link"):
        return "fileDependency", ""
    if protocol == "github" or protocol == "gist":
        return "gitHubDependency", ""
    if protocol in ("gitlab", "bitbucket"):
        return "gitDependency", ""
    host = url_host(text)
    if protocol.startswith("git+") or protocol in ("git", "ssh"):
        return ("gitHubDependency" if host in GITHUB_HOSTS else "gitDependency"), ""
    if protocol in ("http", "https"):
        return ("gitHubDependency" if host in GITHUB_HOSTS else "httpDependency"), ""
    # workspace:, catalog:, portal:... are other package managers' protocols; npm refuses them.
    return "badSemverDependency", f"npm does not support the {protocol}: protocol"


def _classify_range(text: str) -> tuple[str, str] | None:
    if text in _FLOATING:
        return "floatingDependency", ""
    if len(text) > _MAX_RANGE:
        return "badSemverDependency", "range longer than 256 characters"
    if _SIMPLE_RANGE.match(text):
        return None  # `^1.2.3`, `~1.2`, `>=1.0.0 <2`, `1.x || 2.x`: valid without the port
    import nodesemver

    try:
        normalised = nodesemver.valid_range(text, True)
    except Exception:  # the port raises odd types on odd input; any failure means "not a range"
        normalised = None
    if normalised == "*":
        return "floatingDependency", ""
    if normalised is not None:
        return None
    if _TAG.match(text):
        # A dist-tag moves with every publish, like `latest`.
        return "floatingDependency", "dist-tag"
    return "badSemverDependency", "not a valid semver range"


def url_host(url: str) -> str:
    """The lower-case host of `url`, "" when it has none or does not parse (`http://[`)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def is_github_shorthand(arg: str) -> bool:
    """npm-package-arg's `user/repo[#ref]` test, checked before ranges and tags."""
    first_hash = arg.find("#")
    head = arg if first_hash == -1 else arg[:first_hash]
    slash = head.find("/")
    if slash <= 0 or head.endswith("/") or head.startswith("."):
        return False
    return not (re.search(r"\s", head) or "@" in head or ":" in head or "/" in head[slash + 1 :])
