"""Grading: the severity and action an alert gets from what it is, when its code runs and
where it sits. The catalog gives defaults; these rules encode what the benchmarks taught
(docs/benchmarks.md): code that never runs for a package's users is not an attack on them."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass

from depshield.alerts.catalog import AlertType
from depshield.alerts.links import locate
from depshield.model import Action, Finding, Severity, When

THREATS = frozenset(
    {
        "dataExfiltration",
        "remoteCodeDownload",
        "encodedPayloadExecution",
        "reverseShell",
        "credentialHarvesting",
        "binaryDropper",
    }
)
HIDING = frozenset({"obfuscatedFile", "obfuscatedRequire"})
_NON_RUNTIME_DIRS = (
    "test/",
    "tests/",
    "__tests__/",
    "spec/",
    "testing/",
    "doc/",
    "docs/",
    "example/",
    "examples/",
    "benchmark/",
    "benchmarks/",
    "bench/",
    ".github/",
    "ci/",
    ".circleci/",
    "tools/ci/",
)
# Root folders of a Python source archive for maintainer scripts (not packages: their files
# are not among the modules the package installs, see ecosystems/pypi/manifest.py).
_SDIST_SCRIPT_DIRS = frozenset({"scripts", "tools", "ci", "dev", "bin"})
_SHELL = (".sh", ".bash", ".zsh", ".command")
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


@dataclass(frozen=True, slots=True)
class Grade:
    severity: Severity
    action: Action
    note: str | None = None


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
        if f.type == "signal:spawn" and f.props.get("command"):
            # A literal command that is no build tool (`curl`, `powershell`, a shipped .exe);
            # commands built at run time (`[sys.executable, script]`) are judged by what the
            # other findings show, or builds would all look risky.
            if not _builds(_argv(f), paths):
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


def grade(
    f: Finding,
    when: When,
    entry: AlertType,
    *,
    ecosystem: str,
    install_quiet: bool,
    shipped: bool = False,
) -> Grade:
    """`shipped`: the finding's file is one of the modules the package installs (reachable
    from its import entries), not a maintainer script that only sits in the sdist."""
    severity: Severity = f.props.get("severity") or entry.severity
    action: Action = f.props.get("action") or entry.action
    if when is When.CALL and f.type in THREATS | HIDING:
        path = "/" + f.file.lower()
        if f.file.lower().endswith(_SHELL):
            return Grade(
                severity,
                "monitor",
                "a shell script that nothing in the package runs at install or import",
            )
        if any(f"/{d}" in path for d in _NON_RUNTIME_DIRS) or _test_file(path):
            return Grade(
                severity,
                "monitor",
                "in tests, docs, examples or CI code that installs and imports do not run",
            )
        if ecosystem == "pypi" and not shipped and path.split("/")[1] in _SDIST_SCRIPT_DIRS:
            return Grade(
                severity,
                "monitor",
                "a maintainer script the source archive carries; nothing installs or runs it",
            )
        if ecosystem == "pypi" and _apart(f):
            return Grade(
                severity,
                "monitor",
                "a download and a dynamic evaluation far apart in code that only runs if "
                "called: nothing shows the one feeds the other",
            )
        if (
            ecosystem == "pypi"
            and f.type in THREATS
            and f.type != "reverseShell"
            and "severity" not in f.props
            and not (shipped and _direct_python_chain(f))
        ):
            # Chains in maintainer scripts the sdist carries (`scripts/install_pip.py`) and
            # those other analyzers report (bundled web assets' `new Function`) stay at warn.
            return Grade("high", "warn", "runs only when the package's code calls it")
    if f.type == "installScripts" and str(f.props.get("script", "")).startswith("pth:"):
        if when is not When.INSTALL:
            # site.py reads .pth files only in site-packages itself: one in a subfolder
            # (test data, a vendored tree) is never processed.
            return Grade("middle", "monitor", "a .pth file that does not land in site-packages")
    if f.type == "installScripts" and ecosystem == "pypi" and install_quiet:
        return Grade(
            "middle",
            "monitor",
            "build customisation: the install-time code shows no network, no dynamic "
            "code, no hiding and starts only build tools",
        )
    return Grade(severity, action)


def _direct_python_chain(f: Finding) -> bool:
    """A threat the Python analyzer traced as one data flow (a download or a decoded blob
    reaching exec or a started file, a wallet key reaching a request): whoever calls it, it
    does what attacks do. Co-occurrence in one file (`chain`: a download somewhere, an eval
    elsewhere, as in IPython or schema compilers) is the judge's weaker evidence."""
    if f.type == "encodedPayloadExecution":
        # Decoding data into pickle, exec or a command in code that runs only when called is
        # also how debuggers and IPC layers pass objects (debugpy's pydevd): the blob may be
        # an argument, not an embedded payload. Embedded ones run at import and block there.
        return False
    return f.file.lower().endswith((".py", ".pyw")) and "chain" not in f.props


_NEAR = 30  # lines: a download and an eval further apart are rarely one function


def _apart(f: Finding) -> bool:
    """A download-then-eval threat the judge built from co-occurrence (`how: eval`) whose two
    ends sit in different files or far apart in one: a schema compiler fetching a remote
    `$ref` and exec'ing generated code, IPython's `%load` and its evaluator."""
    chain = f.props.get("chain")
    if f.type != "remoteCodeDownload" or f.props.get("how") != "eval" or not chain:
        return False
    ends = [str(c).split(" ", 1)[0].rpartition(":") for c in chain[:2]]
    if len(ends) < 2 or not all(e[2].isdigit() for e in ends):
        return False
    (file_a, _, line_a), (file_b, _, line_b) = ends
    return file_a != file_b or abs(int(line_a) - int(line_b)) > _NEAR


def _test_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith(
        ("_test.py", ".test.js", ".spec.js", ".test.ts", ".spec.ts")
    )
