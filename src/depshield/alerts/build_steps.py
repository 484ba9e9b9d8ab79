"""Install-time code that only builds: compilers, queries, the package's own scripts, and
for npm the native-addon tools, versus what attacks do at install (see docs/threats.md)."""

from __future__ import annotations

from collections.abc import Iterable

from depshield.alerts.grading import THREATS
from depshield.alerts.links import locate
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
_SCRIPT_RUNNERS = frozenset({"sh", "bash", "zsh", "dash", "python", "python3", "py", "perl"})
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
    for f in install_findings:
        if f.type == "signal:exec" and f.props.get("code") == "plain":
            continue
        if f.type in RISKY_AT_INSTALL:
            return False
        # A literal command that is no build tool (`curl`, `powershell`, a shipped .exe);
        # commands built at run time (`[sys.executable, script]`) are judged by what the
        # other findings show, or builds would all look risky.
        if f.type == "signal:spawn" and f.props.get("command") and not _builds(_argv(f), paths):
            return False
    return True


def _argv(f: Finding) -> list[str]:
    words = str(f.props.get("command") or "").split()
    args = f.props.get("args")
    if isinstance(args, str):
        words += args.split()
    elif isinstance(args, list | tuple):
        words += [str(a) for a in args]
    return [w.strip("'\"") for w in words if w.strip("'\"")]


def _builds(argv: list[str], paths: frozenset[str]) -> bool:
    """A command a build runs: a compiler or build tool, a query, the package's own script
    (`sh autogen.sh`, `./build_bundled.sh`, `python tests/__init__.py`), or pip building the
    project itself (`pip install .`)."""
    if not argv:
        return True
    first = argv[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
    rest = argv[1:]
    if first in BUILD_TOOLS:
        return True
    if first in QUERY_TOOLS:
        asks = QUERY_TOOLS[first]
        return asks is None or bool(rest) and rest[0] in asks
    if _shipped(argv[0], paths):
        return True
    words = [w for w in rest if not w.startswith("-")]
    if first in _SCRIPT_RUNNERS and words and _shipped(words[0], paths):
        return True
    if first in ("pip", "pip3") or (first in _SCRIPT_RUNNERS and rest[:2] == ["-m", "pip"]):
        words = [w for w in words if w != "pip"]
        return words[:1] == ["install"] and all(_local(w) for w in words[1:])
    return False


def _shipped(word: str, paths: frozenset[str]) -> bool:
    """A file of the archive (`autogen.sh` run from the vendored library's folder counts)."""
    return locate(word, paths) is not None


def _local(word: str) -> bool:
    """A requirement that names a directory of the project (`.`, `./sub`), not an index name."""
    return word in (".", "..") or word.startswith(("./", "../"))
