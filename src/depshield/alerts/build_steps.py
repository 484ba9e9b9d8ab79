"""Install-time code that only builds: compilers, queries, the package's own scripts, and
for npm the native-addon tools, versus what attacks do at install (docs/architecture.md, Judge)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from depshield.alerts.grading import THREATS
from depshield.alerts.links import locate
from depshield.ecosystems.system_commands import PACKAGE_INSTALLERS
from depshield.model import Finding

# What a Python build legitimately starts: compilers and build tools, the VCS for a version.
BUILD_TOOLS = frozenset(
    {
        "git",
        "hg",
        "cmake",
        "make",
        "ninja",
        "meson",
        "gcc",
        "cc",
        "c++",
        "g++",
        "clang",
        "clang++",
        "cl",
        "nvcc",
        "pkg-config",
        "cython",
        "cargo",
        "rustc",
        "xcrun",
        "uname",
        "ldconfig",
        "ar",
        "ld",
        "swig",
        "protoc",
        "autoconf",
        "autoreconf",
        "./configure",
        "configure",
    }
)
# Commands a build runs to ask where things are or to touch its own tree: queries and
# harmless file tools (`brew --prefix openssl`, `touch configure.ac`), by first word and, for a
# tool that can also install software, the subcommands that only ask.
QUERY_TOOLS: dict[str, frozenset[str] | None] = {
    "brew": frozenset({"--prefix", "--cellar", "--version", "--repository", "config"}),
    "port": frozenset({"-q", "contents", "installed"}),
    "xcode-select": None,
    "sw_vers": None,
    "lsb_release": None,
    "touch": None,
    "mkdir": None,
    "which": None,
    "where": None,
    "echo": None,
    "true": None,
    "test": None,
    "sysctl": None,
    "nproc": None,
    "getconf": None,
}
# Text tools a build script pipes its own output through (`uname | sed ...`, `dirname "$0"`):
# they read what the build gives them. Naming a file outside the build tree (`/etc/passwd`,
# `~/.ssh/id_rsa`) is no build step, whatever the tool.
TEXT_TOOLS = frozenset(
    {
        *("dirname", "basename", "head", "tail", "sed", "cut", "tr", "grep", "egrep", "fgrep"),
        *("awk", "sort", "uniq", "wc", "expr", "printf", "pwd", "date", "readlink", "realpath"),
        *("cat", "sleep"),
    }
)
# Runners of a registry tool's command (`npx bin-version-check-cli python ">=2"`): the tool is
# a package like any dependency; a URL, git or path spec instead fetches code no registry holds.
_TOOL_RUNNERS = frozenset({"npx", "pnpx", "bunx"})
_DLX = frozenset({"pnpm", "yarn"})
_REGISTRY_NAME = re.compile(r"^(@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*(@[\w.^~<>=*-]+)?$")
_SCRIPT_RUNNERS = frozenset(
    {"sh", "bash", "zsh", "dash", "python", "python3", "py", "perl", "node", "nodejs", "bun"}
)
# What the started file must be for its run to be judged by its own findings: code that the
# analyzers read (`node lib/README.md` runs a file disguised as documentation).
_CODE_SUFFIXES = (".py", ".sh", ".bash", ".js", ".cjs", ".mjs", ".ts", ".pl")
# Native-addon build steps of npm packages: compile the addon, or load or fetch the prebuilt
# binary of the package's own version (the download itself is judged by the threat rules).
NPM_BUILD_TOOLS = frozenset(
    {
        "node-gyp",
        "node-gyp-build",
        "node-pre-gyp",
        "prebuild-install",
        "cmake-js",
        "exit",
        "ldd",
    }
)
_REQUIRE = re.compile(r"""require\(\s*['"]([^'"]+)['"]\s*\)""")
# At npm install time: what no build needs (threats, hiding, decoded or dynamic code).
NPM_RISKY = frozenset(
    {*THREATS, "obfuscatedFile", "obfuscatedRequire", "suspiciousString", "highEntropyStrings"}
)
# `usesEval` is the capability; every dynamic evaluation also leaves a `signal:exec` that
# says whether the code run is a payload (decoded, downloaded) or plain text (see exec_rule).
RISKY_AT_INSTALL = frozenset(
    {
        "networkAccess",
        "obfuscatedFile",
        "obfuscatedRequire",
        "suspiciousString",
        "highEntropyStrings",
        "signal:download",
        "signal:sink",
        "signal:exec",
        "signal:decode",
        *THREATS,
    }
)


def install_is_quiet(
    install_findings: Iterable[Finding], paths: frozenset[str] = frozenset()
) -> bool:
    """True when install-time code does nothing but build: no network, no dynamic code run
    from decoded or downloaded data, no hiding, and only build tools, queries or the package's
    own scripts started (`paths`: the archive's files, whose scripts are judged as install
    code themselves: the import graph links a started file to its starter)."""
    findings = list(install_findings)
    fetches = {
        (f.file, f.line)
        for f in findings
        if f.type in ("signal:download", "signal:sink")
        and source_archive(f.props.get("url") or f.props.get("urlTemplate"))
    }
    for f in findings:
        if f.type == "signal:exec" and f.props.get("code") == "plain":
            continue
        if f.type in _FETCH_TYPES and (f.file, f.line) in fetches:
            continue  # the build's pinned source archive (the download rules judge its use)
        if f.type in RISKY_AT_INSTALL:
            return False
        # A literal command that is no build tool (`curl`, `powershell`, a shipped .exe);
        # commands built at run time (`[sys.executable, script]`) are judged by what the
        # other findings show, or builds would all look risky.
        if f.type == "signal:spawn" and f.props.get("command") and not _builds(_argv(f), paths):
            return False
    return True


_FETCH_TYPES = frozenset({"networkAccess", "signal:download", "signal:sink"})
_ARCHIVE = re.compile(r"\.(tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar|zip)$", re.IGNORECASE)
# What pins an archive to one release: a version, a commit, or a value the build computes
# (`{}`: `f".../archive/{commit}.tar.gz"`, the commit read from the build's own files).
_PIN = re.compile(r"\d+\.\d+|\b[0-9a-f]{7,40}\b|\{\}")


def source_archive(url: object) -> bool:
    """`https://host/owner/lib/archive/<commit>.tar.gz`: a pinned release archive fetched over
    https from a literal host, as build input (secp256k1's libsecp256k1, a vendored gpulite):
    the file a build unpacks and compiles, not a program or script run as it arrives."""
    if not isinstance(url, str) or not url.lower().startswith("https://"):
        return False
    path = url[8:].split("#", 1)[0].split("?", 1)[0]
    host, _, rest = path.partition("/")
    if not host or "{}" in host or not rest:
        return False
    name = rest.rsplit("/", 1)[-1]
    return bool(_ARCHIVE.search(name)) and bool(_PIN.search(rest))


def _argv(f: Finding) -> list[str]:
    words = str(f.props.get("command") or "").split()
    args = f.props.get("args")
    if isinstance(args, str):
        words += args.split()
    elif isinstance(args, list | tuple):
        words += [str(a) for a in args]
    return [w.strip("'\"") for w in words if w.strip("'\"")]


def npm_install_is_quiet(install_findings: Iterable[Finding], paths: frozenset[str]) -> bool:
    """True when npm install-time code (the lifecycle scripts and the files they run) shows no
    threat, hiding or dynamic evaluation and starts only build tools, queries, the package's
    own code files, or its package manager on names it computes (its own platform build)."""
    for f in install_findings:
        if f.type in NPM_RISKY or f.type in ("usesEval", "signal:exec"):
            return False
        if f.type == "signal:spawn" and f.props.get("dependencyBin") and _plain_args(_argv(f)):
            continue
        if f.type == "signal:spawn" and f.props.get("command") and not _builds(_argv(f), paths):
            return False
    return True


def _plain_args(argv: list[str]) -> bool:
    """The arguments of a declared dependency's bin are options or words, no file, path, URL
    or computed value (`node-gyp-build-optional-packages`, `opencollective || exit 0`): the
    bin then runs its own package's code, judged where that package is scanned; handed a
    file (`forever start src/index.js`) it runs this package's code, which needs its own look."""
    kept = _without_redirects(argv)
    if kept is None:
        return False
    return all(_PLAIN_WORD.match(w) for w in kept[1:])


_PLAIN_WORD = re.compile(r"^-{0,2}[A-Za-z0-9][\w-]*(=[\w-]+)?$")


def _builds(argv: list[str], paths: frozenset[str]) -> bool:
    """A command a build runs: a compiler or build tool, a query, the package's own script
    (`sh autogen.sh`, `./build_bundled.sh`, `node install.js`), or a package manager building
    the project itself (`pip install .`) or installing a name computed at run time."""
    kept = _without_redirects(argv)
    if kept is None:
        return False  # `echo pwned > /tmp/x`: writes outside the build, whatever the tool
    argv = kept
    if not argv:
        return True
    first = argv[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
    rest = argv[1:]
    if first in BUILD_TOOLS or first in NPM_BUILD_TOOLS:
        return True
    if first in TEXT_TOOLS:
        return not any(w.startswith(("/", "~", "$HOME")) and w != "/dev/null" for w in rest)
    if first in _TOOL_RUNNERS or (first in _DLX and rest[:1] == ["dlx"]):
        return _registry_tool(rest[1:] if first in _DLX else rest)
    if first in QUERY_TOOLS:
        asks = QUERY_TOOLS[first]
        return asks is None or bool(rest) and rest[0] in asks
    if _shipped(argv[0], paths):
        return True
    words = [w for w in rest if not w.startswith("-")]
    if first in _SCRIPT_RUNNERS and words and _shipped(words[0], paths):
        return True
    if first in ("node", "nodejs") and rest[:1] in (["-e"], ["--eval"]):
        required = _REQUIRE.findall(" ".join(rest[1:]))
        return bool(required) and all(_shipped(r, paths) for r in required)
    if first in PACKAGE_INSTALLERS or (first in _SCRIPT_RUNNERS and rest[:2] == ["-m", "pip"]):
        words = [w for w in words if w != "pip"]
        return words[:1] in (["install"], ["i"], ["add"]) and all(
            _local(w) or "$" in w for w in words[1:]
        )
    return False


def _without_redirects(argv: list[str]) -> list[str] | None:
    """`argv` without its redirections, or None when one writes outside the build tree
    (`git rev-parse HEAD > .gitrev` writes the build's own file; `> /tmp/x`, `>> ~/.bashrc`
    do not)."""
    kept: list[str] = []
    target_next = False
    for word in argv:
        if target_next:
            target_next = False
            if _outside(word):
                return None
            continue
        op = re.match(r"^[0-9&]?>>?", word)
        if op is None:
            kept.append(word)
            continue
        target = word[op.end() :]
        if not target:
            target_next = True
        elif not target.startswith("&") and _outside(target):
            return None
    return kept


def _outside(word: str) -> bool:
    """A path outside the build tree: absolute, in a home, climbing out, or computed."""
    if word == "/dev/null":
        return False
    return word.startswith(("/", "~", "$", "..")) or "/.." in word


def _registry_tool(args: list[str]) -> bool:
    """`npx [-y] NAME ...`: NAME (or the `-p`/`--package` spec) is a plain registry name."""
    specs: list[str] = []
    words = iter(args)
    for word in words:
        if word in ("-p", "--package"):
            specs.append(next(words, ""))
        elif word.startswith("--package="):
            specs.append(word.partition("=")[2])
        elif not word.startswith("-"):
            specs.append(word)
            break
    return bool(specs) and all(_REGISTRY_NAME.match(s.lower()) for s in specs)


def _shipped(word: str, paths: frozenset[str]) -> bool:
    """A code file of the archive (`autogen.sh` run from the vendored library's folder counts;
    node adds `.js` to `node install`)."""
    found = locate(word, paths)
    return found is not None and found.lower().endswith(_CODE_SUFFIXES)


def _local(word: str) -> bool:
    """A requirement that names a directory of the project (`.`, `./sub`), not an index name."""
    return word in (".", "..") or word.startswith(("./", "../"))
