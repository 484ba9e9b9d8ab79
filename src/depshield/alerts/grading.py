"""Grading: the severity and action an alert gets from what it is, when its code runs and
where it sits. The catalog gives defaults; these rules encode what the benchmarks taught
(docs/benchmarks.md): code that never runs for a package's users is not an attack on them."""

from __future__ import annotations

from dataclasses import dataclass

from depshield.alerts.catalog import AlertType
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


@dataclass(frozen=True, slots=True)
class Grade:
    severity: Severity
    action: Action
    note: str | None = None


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
    pth = str(f.props.get("script", "")).startswith("pth:")
    if f.type == "installScripts" and pth and when is not When.INSTALL:
        # site.py reads .pth files only in site-packages itself: one in a subfolder
        # (test data, a vendored tree) is never processed.
        return Grade("middle", "monitor", "a .pth file that does not land in site-packages")
    if f.type == "installScripts" and ecosystem == "npm" and install_quiet:
        return Grade(
            "middle",
            "monitor",
            "a build step: the install-time code shows no threat, no hiding and no dynamic "
            "code, and starts only build tools, queries or the package's own code",
        )
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
