"""Install-guard overhead: `npm install` of a ~300-package project and `pip install -r` of a
~50-package requirements file, plain vs through `depshield npm|pip` (cold and warm depshield
cache), against the registries this machine is configured for. Everything happens in a temporary
folder: node_modules and venvs are thrown away; npm runs with --ignore-scripts and pip with
--only-binary=:all:, so no package code runs (we measure resolution and checking, not builds).

    .venv/bin/python bench/guard.py            # writes the guard section of docs/benchmarks.md
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_section import machine_line, write_section  # noqa: E402

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
DEPSHIELD = [sys.executable, "-m", "depshield.cli.main"]
ROUNDS = 3
NPM_PROJECT = {
    "name": "guard-bench",
    "version": "1.0.0",
    "private": True,
    "dependencies": {
        "express": "^4.18.2", "axios": "^1.6.0", "chalk": "^4.1.2", "commander": "^11.0.0",
        "lodash": "^4.17.21", "react": "^18.2.0", "react-dom": "^18.2.0", "yargs": "^17.7.2",
        "dotenv": "^16.0.0", "uuid": "^9.0.0", "jsonwebtoken": "^9.0.0", "winston": "^3.11.0",
        "sinon": "^17.0.0",
    },
    "devDependencies": {
        "eslint": "^8.57.0", "prettier": "^3.0.0", "typescript": "^5.0.0", "mocha": "^10.2.0",
        "nodemon": "^3.0.0",
    },
}  # fmt: skip
PIP_TOP = [
    *("flask", "requests", "django", "boto3", "pandas", "pydantic", "sqlalchemy"),
    *("rich", "click", "pyyaml", "httpx", "pytest", "attrs", "cryptography", "jsonschema"),
    *("platformdirs", "filelock", "python-dotenv"),
]


VERDICTS: list[str] = []  # the guard's own summary lines, for the record


def run(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        list(argv), cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    VERDICTS.extend(line for line in done.stderr.splitlines() if line.startswith("  BLOCK"))
    return elapsed


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s"


def npm_bench(work: Path) -> list[str]:
    project = work / "npm"
    project.mkdir()
    (project / "package.json").write_text(json.dumps(NPM_PROJECT, indent=2))
    env = {**os.environ, "npm_config_cache": str(work / "npm-cache"), "CI": "true"}
    env.update(npm_config_audit="false", npm_config_fund="false", DEPSHIELD_HOME=str(work / "ds"))
    env["npm_config_update_notifier"] = "false"
    install = ["npm", "install", "--ignore-scripts"]
    guarded = [*DEPSHIELD, "npm", "--force", "--", *install[1:]]
    run(install, project, env)  # writes the lockfile and warms npm's own cache
    count = json.loads((project / "package-lock.json").read_text())["packages"].keys()
    packages = sum(1 for key in count if key)

    def fresh(argv: list[str]) -> float:
        shutil.rmtree(project / "node_modules", ignore_errors=True)
        return run(argv, project, env)

    plain = [fresh(install) for _ in range(ROUNDS)]
    cold = [fresh(guarded)]  # the first guarded run analyses every package
    warm = [fresh(guarded) for _ in range(ROUNDS)]
    noop_plain = [run(install, project, env) for _ in range(ROUNDS)]
    noop_guarded = [run(guarded, project, env) for _ in range(ROUNDS)]
    return [
        f"npm: a project of {packages} packages (package-lock.json present), `npm install "
        "--ignore-scripts`, npm's cache warm; median of "
        f"{ROUNDS} runs (the cold run once).",
        "",
        "| case | plain npm | through the guard | added |",
        "| --- | ---: | ---: | ---: |",
        _row("fresh checkout, depshield cache cold", plain, cold),
        _row("fresh checkout, depshield cache warm", plain, warm),
        _row("everything installed already (no change)", noop_plain, noop_guarded),
    ]


def pip_bench(work: Path) -> list[str]:
    env = {**os.environ, "PIP_CACHE_DIR": str(work / "pip-cache"), "CI": "true"}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", DEPSHIELD_HOME=str(work / "ds"))
    requirements = work / "requirements.txt"
    pins = _pinned_closure(work, env)
    requirements.write_text("".join(f"{name}=={version}\n" for name, version in pins))
    install = ["install", "--only-binary=:all:", "-r", str(requirements)]

    def fresh(guard: bool) -> float:
        venv = work / "venv"
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = str(venv / "bin" / "pip")
        argv = (
            [*DEPSHIELD, "pip", "--force", "--exe", pip, "--", *install]
            if guard
            else [pip, *install]
        )
        return run(argv, work, env)

    def again(guard: bool) -> float:
        pip = str(work / "venv" / "bin" / "pip")
        argv = (
            [*DEPSHIELD, "pip", "--force", "--exe", pip, "--", *install]
            if guard
            else [pip, *install]
        )
        return run(argv, work, env)

    fresh(False)  # warms pip's cache
    plain = [fresh(False) for _ in range(ROUNDS)]
    cold = [fresh(True)]
    warm = [fresh(True) for _ in range(ROUNDS)]
    noop_plain = [again(False) for _ in range(ROUNDS)]
    noop_guarded = [again(True) for _ in range(ROUNDS)]
    return [
        f"pip: `pip install --only-binary=:all: -r requirements.txt` of {len(pins)} pinned "
        f"packages (the closure of {', '.join(PIP_TOP)}) into a new venv, pip's cache warm; "
        f"median of {ROUNDS} runs (the cold run once).",
        "",
        "| case | plain pip | through the guard | added |",
        "| --- | ---: | ---: | ---: |",
        _row("new venv, depshield cache cold", plain, cold),
        _row("new venv, depshield cache warm", plain, warm),
        _row("everything installed already (no change)", noop_plain, noop_guarded),
    ]


def _pinned_closure(work: Path, env: dict[str, str]) -> list[tuple[str, str]]:
    """Exact versions of the top-level projects and everything they need, as pip resolves them."""
    venv = work / "resolve-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    report = work / "report.json"
    argv = [str(venv / "bin" / "pip"), "install", "--dry-run", "--only-binary=:all:"]
    run([*argv, "--ignore-installed", "--report", str(report), *PIP_TOP], work, env)
    items = json.loads(report.read_text())["install"]
    return sorted((i["metadata"]["name"], i["metadata"]["version"]) for i in items)


def _row(case: str, plain: list[float], guarded: list[float]) -> str:
    added = statistics.median(guarded) - statistics.median(plain)
    return f"| {case} | {median(plain)} | {median(guarded)} | {added:+.2f} s |"


def main() -> None:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="depshield-guard-bench-") as tmp:
        work = Path(tmp)
        (work / "n").mkdir()
        (work / "p").mkdir()
        npm_lines = npm_bench(work / "n")
        print("\n".join(npm_lines), flush=True)
        pip_lines = pip_bench(work / "p")
        print("\n".join(pip_lines), flush=True)
    loads = f"{load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    text = "\n".join(
        [
            "## Install guard (`bench/guard.py`)",
            "",
            machine_line(),
            f"Load average (1 min) during the run: {loads}; other jobs share the 2 cores, so",
            "differences under a second or two are within the noise.",
            "",
            *npm_lines,
            "",
            *pip_lines,
            "",
            "Blocked on the way (--force let the install go on): "
            + (", ".join(sorted(set(VERDICTS))).replace("  BLOCK ", "") or "nothing")
            + ".",
            "",
            "Through the guard = `depshield npm|pip --force -- ...` (so that a finding does not "
            "stop the measurement): resolution (npm: the "
            "lockfile when it matches package.json, else `npm install --package-lock-only "
            "--ignore-scripts`; pip: `pip install --dry-run --report --only-binary=:all:`), "
            "the check of every package not installed yet, then the real command. Install "
            "scripts are off (npm `--ignore-scripts`, pip wheels only): the figures are "
            "resolution and checking, not builds.",
        ]
    )
    write_section(DOC, "guard", text)


if __name__ == "__main__":
    main()
