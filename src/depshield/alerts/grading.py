"""Grading: the severity and action an alert gets from what it is, when its code runs and
where it sits. The catalog gives defaults; these rules encode what the benchmarks taught
(docs/benchmarks.md): code that never runs for a package's users is not an attack on them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from depshield.alerts.catalog import AlertType
from depshield.model import Action, Finding, Override, Severity, When

if TYPE_CHECKING:
    from depshield.ecosystems.base import EcosystemPlugin

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
ENDLESS_LOOP = "endless loop when the file loads"  # javascript/threats.troll_loops' reason
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
_SHELL = (".sh", ".bash", ".zsh", ".command")
_JS = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")


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
    ecosystem: EcosystemPlugin,
    install_quiet: bool,
    shipped: bool = False,
) -> Grade:
    """`shipped`: the finding's file is one of the modules the package installs (reachable
    from its import entries), not a maintainer script that only sits in the sdist."""
    override = f.override or Override()
    severity: Severity = override.severity or entry.severity
    action: Action = override.action or entry.action
    if when is When.CALL and f.type in THREATS | HIDING:
        path = "/" + f.file.lower()
        if f.file.lower().endswith(_SHELL):
            runtime = not any(f"/{d}" in path for d in _NON_RUNTIME_DIRS)
            if shipped and runtime and _certain_in_shell(f):
                return Grade(
                    "high",
                    "warn",
                    "a shell script installed with the package's modules: nothing runs it at "
                    "install or import, but what it does has no honest reading",
                )
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
        if not shipped and path.split("/")[1] in ecosystem.maintainer_script_dirs:
            return Grade(
                severity,
                "monitor",
                "a maintainer script the source archive carries; nothing installs or runs it",
            )
        if _apart(f):
            return Grade(
                severity,
                "monitor",
                "a download (or decode) and a dynamic evaluation far apart, or in code that "
                "does not run together, in code that only runs if called: nothing shows the "
                "one feeds the other",
            )
        if f.type == "remoteCodeDownload" and f.props.get("fixedHost") is False:
            return Grade(
                severity,
                "monitor",
                "a script loader in code that only runs if called: it runs the script at the "
                "URL its caller gives (a module loader), not one from a host of its own",
            )
        if (
            ecosystem.call_threats_warn
            and f.type in THREATS
            and f.type != "reverseShell"
            and f.override is None
            and not (shipped and _direct_python_chain(f))
        ):
            # Chains in maintainer scripts the sdist carries (`scripts/install_pip.py`) and
            # those other analyzers report (bundled web assets' `new Function`) stay at warn.
            return Grade("high", "warn", "runs only when the package's code calls it")
    if when is When.CALL and f.type == "troll" and f.props.get("reason") == ENDLESS_LOOP:
        return Grade(
            severity,
            "monitor",
            "an endless loop in a script that no install or import loads (a benchmark, an "
            "interactive tool): it hangs only the program that runs it on purpose",
        )
    pth = str(f.props.get("script", "")).startswith("pth:")
    if f.type == "installScripts" and pth and when is not When.INSTALL:
        # site.py reads .pth files only in site-packages itself: one in a subfolder
        # (test data, a vendored tree) is never processed.
        return Grade("middle", "monitor", "a .pth file that does not land in site-packages")
    if f.type == "installScripts" and install_quiet and override.action != "error":
        return Grade("middle", "monitor", ecosystem.quiet_install_note)
    return Grade(severity, action)


def shipped(file: str, import_files: set[str]) -> bool:
    """`file` is one of the modules the package installs, or a shell script installed beside
    them (`pkg/init.sh` next to `pkg/__init__.py`), not a maintainer script of the sdist."""
    if file in import_files:
        return True
    folder = file.rpartition("/")[0]
    return (
        bool(folder)
        and file.lower().endswith(_SHELL)
        and any(p.rpartition("/")[0] == folder for p in import_files)
    )


# Shell behaviour the shell analyzer traced itself (not the judge's co-occurrence `chain`):
# a download saved and run with no checksum between, a shell on a socket, secrets uploaded.
_SHELL_CERTAIN = frozenset({"remoteCodeDownload", "reverseShell", "dataExfiltration"})


def _certain_in_shell(f: Finding) -> bool:
    if f.type not in _SHELL_CERTAIN or "chain" in f.props:
        return False
    return f.type != "dataExfiltration" or f.props.get("pattern") == "file-upload"


def _direct_python_chain(f: Finding) -> bool:
    """A threat the Python analyzer traced as one data flow (a download or a decoded blob
    reaching exec or a started file, a wallet key reaching a request): whoever calls it, it
    does what attacks do. Co-occurrence in one file (`chain`: a download somewhere, an eval
    elsewhere, as in IPython or schema compilers) is the judge's weaker evidence."""
    if f.type == "encodedPayloadExecution":
        # Decoding data into pickle, exec or a command in code that runs only when called is
        # also how debuggers and IPC layers pass objects (debugpy's pydevd): the blob may be
        # an argument, not an embedded payload. A payload the file itself carries (the
        # argument folds to a decoded literal, or an obfuscated file execs computed text) is
        # hidden code whoever calls it.
        return bool(f.props.get("embedded")) and f.file.lower().endswith((".py", ".pyw"))
    return f.file.lower().endswith((".py", ".pyw")) and "chain" not in f.props


_NEAR = 30  # lines: a download and an eval further apart are rarely one function


def _apart(f: Finding) -> bool:
    """A download-then-eval or decode-then-eval threat the judge built from co-occurrence
    (`how: eval`, or an encoded payload's chain) whose two ends sit in different files or far
    apart in one: a schema compiler fetching a remote `$ref` and exec'ing generated code,
    IPython's `%load` and its evaluator, a bundle whose module loader is far from its base64
    helpers."""
    chain = f.props.get("chain")
    if not chain:
        return False
    if f.type == "remoteCodeDownload" and f.props.get("how") != "eval":
        return False
    if "apart" in f.props:  # JavaScript: threats._apart measured it on the findings
        return bool(f.props["apart"])
    if f.type != "remoteCodeDownload" and not (
        f.type == "encodedPayloadExecution" and f.file.lower().endswith(_JS)
    ):
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
