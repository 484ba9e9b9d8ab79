"""npm lifecycle scripts that run at install time, and the files they run."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from depshield.ecosystems.npm.entries import main_entry, node_resolve, package_path
from depshield.ecosystems.npm.package_json import PACKAGE_JSON, PackageJson
from depshield.model import Finding, Override

# What npm runs when it installs a package: preinstall/install/postinstall for every install,
# prepare (with its pre/post hooks) when the dependency comes from git or a local directory.
# npm 7+ no longer runs uninstall scripts, and `prepublish` runs only in the root project.
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall", "preprepare", "prepare", "postprepare")
# A package installed from the registry never runs these: reported, but as low/monitor, and the
# files they run are not install-time code. (The git-dependency alerts cover the other case.)
GIT_ONLY_SCRIPTS = frozenset({"preprepare", "prepare", "postprepare"})
# What npm installs with a registry package, and so puts on the PATH of its lifecycle scripts
# (node_modules/.bin): devDependencies are the author's, absent on a consumer's install.
_INSTALLED_WITH = ("dependencies", "optionalDependencies")


def _mark_dependency_bins(found: list[Finding], pkg: PackageJson) -> list[Finding]:
    """A started command that is the bin of a dependency the package declares (npm names a
    package's single bin after the package, without its scope: `opencollective` for
    `@nuxtjs/opencollective`) gets `dependencyBin`: the code it runs is that registry package,
    which is installed, scanned and judged as a package of its own, like `npx NAME`. A system
    command (`curl`, `sh`) keeps its own meaning whatever a dependency is called."""
    from depshield.ecosystems.system_commands import SYSTEM_COMMANDS

    bins: dict[str, str] = {}
    for section in _INSTALLED_WITH:
        declared = pkg.data.get(section)
        for name in declared if isinstance(declared, dict) else ():
            if isinstance(name, str) and name:
                bins.setdefault(name.lower(), name)
                bins.setdefault(name.rsplit("/", 1)[-1].lower(), name)
    if not bins:
        return found
    out: list[Finding] = []
    for f in found:
        command = str(f.props.get("command") or "").lower()
        dependency = bins.get(command) if f.type == "signal:spawn" else None
        if dependency and command not in SYSTEM_COMMANDS:
            f = Finding(
                f.type,
                f.file,
                f.line,
                f.evidence,
                {**f.props, "dependencyBin": dependency},
                f.top_level,
            )
        out.append(f)
    return out


# npm's default when binding.gyp exists and neither install nor preinstall is defined.
IMPLICIT_GYP = "implicit node-gyp rebuild"
_EVIDENCE = 200  # characters of a script shown as evidence; props keep all of it

# `npm run x`, `yarn run x`, `pnpm x`...: a lifecycle script that runs another script of the file.
_RUN_SCRIPT = re.compile(r"\b(?:npm|pnpm|yarn|bun)\s+(?:run(?:-script)?\s+)?([\w:.-]+)")
# `node .` loads the package's own main, which script_entry_files drops as "no file".
_NODE_DOT = re.compile(r"\b(?:node|nodejs|bun)\s+\./?(?=$|[\s;&|)])")


@dataclass(frozen=True, slots=True)
class InstallScripts:
    """The install-time scripts of a package.json and what they run."""

    findings: tuple[Finding, ...] = ()
    entries: tuple[str, ...] = ()  # package files the scripts run, present in the artifact
    missing: tuple[str, ...] = ()  # files the scripts name that the artifact does not ship
    scripts: Mapping[str, str] | None = None  # lifecycle scripts and the scripts they call


def read_install_scripts(pkg: PackageJson, paths: Collection[str]) -> InstallScripts:
    """installScripts findings, the shell analyzer's findings on them, and their entry files."""
    raw = pkg.data.get("scripts")
    scripts = {k: v for k, v in raw.items() if isinstance(v, str)} if isinstance(raw, dict) else {}
    findings: list[Finding] = []
    for name in INSTALL_SCRIPTS:
        if name in scripts:
            line = pkg.line("scripts", name)
            props: dict[str, object] = {"script": name, "source": scripts[name]}
            grade = None
            if name in GIT_ONLY_SCRIPTS:
                props["runsFor"] = "git and local installs only"
                grade = Override("low", "monitor")
            evidence = f'"{name}": {json.dumps(scripts[name][:_EVIDENCE])}'
            found = Finding("installScripts", PACKAGE_JSON, line, evidence, props, True)
            findings.append(replace(found, override=grade))
    gyp = _implicit_gyp(pkg, scripts, paths)
    if gyp is not None:
        findings.append(gyp)
    registry_run = [n for n in INSTALL_SCRIPTS if n in scripts and n not in GIT_ONLY_SCRIPTS]
    reached = _reached_scripts(registry_run, scripts)
    main = main_entry(pkg, paths)
    entries: list[str] = []
    missing: list[str] = []
    for name in reached:
        # The shell analyzer loads only for a package that runs a script on install.
        from depshield.analyzers.shell import analyze_shell
        from depshield.ecosystems.npm.inline_code import inline_findings

        text = scripts[name]
        offset = max(pkg.line("scripts", name) - 1, 0)
        findings.extend(_mark_dependency_bins(analyze_shell(text, PACKAGE_JSON, offset, True), pkg))
        findings.extend(inline_findings(text, PACKAGE_JSON, offset))
        disguised = [f for f in _entry_files(text) if _named_as_data(f)]
        if disguised:
            findings = [_disguised(f, name, disguised[0]) for f in findings]
        for file in _entry_files(text):
            resolved = _hidden_twin(resolve_script_file(file, paths, main), paths)
            bucket = entries if resolved in paths else missing
            if resolved and resolved not in bucket:
                bucket.append(resolved)
    return InstallScripts(
        tuple(findings), tuple(entries), tuple(missing), {n: scripts[n] for n in reached}
    )


# What a file's name says it is not code: documentation, text, images, styles, markup. Node
# runs any file it is given as a script (a `.json` it only parses, so that is no disguise).
_DATA_NAMES = re.compile(
    r"\.(md|markdown|txt|rst|png|jpe?g|gif|svg|ico|webp|css|scss|less|html?|xml|ya?ml|csv"
    r"|woff2?|ttf|eot|map|lock|log)$|(^|/)(readme|license|licence|changelog)$",
    re.IGNORECASE,
)


def _named_as_data(file: str) -> bool:
    return bool(_DATA_NAMES.search(file.strip("'\"")))


def _disguised(f: Finding, script: str, file: str) -> Finding:
    """The installScripts finding of `script`, which hands a runtime a file named as data
    (`node lib/README.md`): no build names its code that way, the name is there to hide it
    from a reader of the package. Blocks, whether the file ships or not."""
    if f.type != "installScripts" or f.props.get("script") != script:
        return f
    reason = f"runs {file}, a file named as documentation or data, as code"
    props = {**f.props, "reason": reason}
    grade = Override("critical", "error")
    return Finding(f.type, f.file, f.line, f.evidence, props, f.top_level, override=grade)


def _hidden_twin(resolved: str, paths: Collection[str]) -> str:
    """`node ./.pbk.js` when the archive ships `pbk.js` next to where `.pbk.js` should be:
    re-packed archives (mirrors, extract-and-tar tools) lose the dot of hidden files, and the
    hidden name is the reason the script was given one; the shipped twin is what ran."""
    if not resolved or resolved in paths:
        return resolved
    folder, _, name = resolved.rpartition("/")
    if not name.startswith(".") or len(name) < 2:
        return resolved
    twin = f"{folder}/{name[1:]}" if folder else name[1:]
    return twin if twin in paths else resolved


def _implicit_gyp(
    pkg: PackageJson, scripts: Mapping[str, str], paths: Collection[str]
) -> Finding | None:
    """npm runs `node-gyp rebuild` for a root binding.gyp unless the package opts out."""
    if "binding.gyp" not in paths or "install" in scripts or "preinstall" in scripts:
        return None
    if pkg.data.get("gypfile") is False:
        return None
    props = {"script": "install", "source": IMPLICIT_GYP}
    return Finding("installScripts", "binding.gyp", 0, IMPLICIT_GYP, props, True)


def _reached_scripts(start: list[str], scripts: Mapping[str, str]) -> list[str]:
    """`start` plus every script they run through `npm run` (and its pre/post hooks)."""
    seen: list[str] = []
    todo = list(start)
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.append(name)
        for called in _RUN_SCRIPT.findall(scripts[name]):
            todo.extend(n for n in (f"pre{called}", called, f"post{called}") if n in scripts)
    return seen


def _entry_files(text: str) -> list[str]:
    from depshield.analyzers.shell import script_entry_files

    found = script_entry_files(text)
    return [*found, "."] if _NODE_DOT.search(text) else found


def resolve_script_file(file: str, paths: Collection[str], main: str | None = None) -> str:
    """The package path `file` names (node adds `.js`, `/index.js`; `node .` runs `main`),
    or "" when it is outside the package or computed at run time."""
    clean = file.strip("'\"")
    base = package_path(clean) if "$" not in clean else None
    if base is None:
        return ""
    if base == ".":
        return main or ""
    return node_resolve(clean, paths) or base
