#!/usr/bin/env bash
# Make real Python lockfiles for one application with each locking tool, and record each tool's
# own listing of what it locked, for the tests in tests/lockfiles/test_python_real.py.
#
# Usage: bench/make_real_python_locks.sh [WORKDIR]   (default /work/lockbench-py, outside the repo)
#
# What it does, step by step:
#  1. a tools venv (WORKDIR/tools) with `pip install uv poetry pipenv pdm pip-tools`;
#  2. one application (Django + DRF + celery[redis] + boto3 + pandas + SQLAlchemy + psycopg +
#     notebook, extra "plots" = matplotlib, dev group = pytest + ruff), declared once per tool;
#  3. locks it with metadata only, never building an sdist (building would run a package's
#     build code): uv `no-build = true`, PIP_ONLY_BINARY=:all: for pip-compile and pipenv,
#     PDM_ONLY_BINARY=:all: for pdm; Poetry reads wheel metadata (every package here has wheels)
#     through the index's simple API, declared as its primary source, since this machine's
#     registry access serves no JSON API:
#        uv lock                                   (universal: every platform and Python)
#        uv export --format pylock.toml --all-extras --all-groups --no-emit-project
#        poetry lock                               (universal)
#        pdm lock -G :all                          (cross-platform)
#        pipenv lock                               (this machine: Linux, CPython 3.11)
#        pip-compile --generate-hashes requirements.in   (this machine, hence fewer packages)
#  4. records each tool's own listing, reduced to sorted unique `name==version` lines:
#        uv.lock, pylock.toml: uv export --format requirements-txt --no-hashes --all-extras
#                              --all-groups --no-emit-project
#        poetry.lock:          poetry show --all --with dev --format json
#        pdm.lock:             pdm export -f requirements --no-hashes -G :all
#        Pipfile.lock:         pipenv requirements --dev
#        requirements.txt:     pip's own requirements-file parser (pip._internal.req)
#  5. copies lockfiles and listings into tests/fixtures/lockfiles/python/real/ with every URL
#     host rewritten to a placeholder under .invalid (the repository names no public index host):
#     paths under /packages/ -> files.example.invalid, any other host -> pypi.example.invalid.
#
# The fixtures in the repository were made on 2026-11-26 with uv 0.13.9, Poetry 2.5.1,
# pdm 2.29.4, pipenv 2026.10.3 and pip-tools 7.6.2 (pip 23.2.1).
set -euo pipefail

WORK=${1:-/work/lockbench-py}
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$REPO/tests/fixtures/lockfiles/python/real
T=$WORK/tools/bin
# Only the tools' own defaults: no machine-wide pip configuration (local find-links, extra
# file:// indexes) may leak into the lockfiles.
export PIP_CONFIG_FILE=/dev/null
unset PIP_FIND_LINKS PIP_EXTRA_INDEX_URL PIP_INDEX_URL || true
export PIP_ONLY_BINARY=:all: PDM_ONLY_BINARY=:all: PIPENV_VENV_IN_PROJECT=1 PIPENV_YES=1
export POETRY_VIRTUALENVS_IN_PROJECT=true PDM_CHECK_UPDATE=false PIPENV_VERBOSITY=-1

mkdir -p "$WORK" "$OUT"
[ -x "$T/uv" ] || { python3 -m venv "$WORK/tools" &&
  "$T/pip" install -q uv poetry pipenv pdm pip-tools "hishel[httpx2]>=1.4,<2"; }
# (pdm 2.29 breaks with hishel 2: "module 'hishel' has no attribute 'SyncSqliteStorage'".)
# The default index's simple API, spelled without naming its host in this repository.
SIMPLE_URL=$("$T/python" -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)')

DEPS=(
  "django>=5.1,<5.3" "djangorestframework>=3.15" "celery[redis]>=5.4" "boto3>=1.35"
  "pandas>=2.2" "requests>=2.32" "sqlalchemy>=2.0" "psycopg[binary]>=3.2" "gunicorn>=23"
  "pillow>=11" "pydantic>=2.9" "notebook>=7.2"
)
pyproject() {  # $1: extra [tool.*] text
  {
    echo '[project]'
    echo 'name = "lockbench-app"'
    echo 'version = "0.1.0"'
    echo 'requires-python = ">=3.11"'
    echo 'dependencies = ['
    for d in "${DEPS[@]}"; do echo "  \"$d\","; done
    echo ']'
    echo
    echo '[project.optional-dependencies]'
    echo 'plots = ["matplotlib>=3.9"]'
    echo
    echo '[dependency-groups]'
    echo 'dev = ["pytest>=8", "ruff>=0.8"]'
    echo
    printf '%s\n' "$1"
  }
}
listing() {  # stdin: requirement lines -> sorted unique name==version
  "$T/python" -c '
import re, sys
from packaging.utils import canonicalize_name
out = set()
for line in sys.stdin:
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^]]*\])?\s*==\s*([^\s;\\]+)", line)
    if m:
        out.add(f"{canonicalize_name(m.group(1))}=={m.group(2)}")
print("\n".join(sorted(out)))'
}

# uv.lock and pylock.toml
mkdir -p "$WORK/uv" && cd "$WORK/uv"
pyproject $'[tool.uv]\npackage = false\nno-build = true' > pyproject.toml
"$T/uv" lock
"$T/uv" export --frozen --format pylock.toml --all-extras --all-groups --no-emit-project \
  -o pylock.toml > /dev/null
"$T/uv" export --frozen --format requirements-txt --no-hashes --all-extras --all-groups \
  --no-emit-project --no-header --no-annotate | listing > uv.expected.txt

# poetry.lock
mkdir -p "$WORK/poetry" && cd "$WORK/poetry"
# Poetry reads the index's JSON API unless the index is declared as a plain (simple API) source;
# this machine's registry access serves the simple API only, so the lock records that source.
pyproject "$(printf '[tool.poetry]\npackage-mode = false\n\n[[tool.poetry.source]]\nname = "index"\nurl = "%s"\npriority = "primary"' "$SIMPLE_URL")" > pyproject.toml
"$T/poetry" lock
"$T/poetry" show --all --with dev --format json --no-ansi |
  "$T/python" -c 'import json, sys; [print(p["name"] + "==" + p["version"]) for p in json.load(sys.stdin)]' |
  listing > poetry.expected.txt

# pdm.lock
mkdir -p "$WORK/pdm" && cd "$WORK/pdm"
pyproject $'[tool.pdm]\ndistribution = false' > pyproject.toml
"$T/pdm" lock -G :all
"$T/pdm" export -f requirements --no-hashes -G :all | listing > pdm.expected.txt

# Pipfile.lock
mkdir -p "$WORK/pipenv" && cd "$WORK/pipenv"
{
  echo '[[source]]'
  echo 'name = "pypi"'
  echo "url = \"$SIMPLE_URL\""
  echo 'verify_ssl = true'
  echo
  echo '[packages]'
  for d in "${DEPS[@]}"; do
    name=${d%%[<>=]*}; spec=${d#"$name"}
    if [[ $name == *\[* ]]; then
      extra=${name#*[}; extra=${extra%]}; name=${name%%[*}
      echo "$name = {version = \"$spec\", extras = [\"$extra\"]}"
    else
      echo "$name = \"$spec\""
    fi
  done
  echo 'matplotlib = ">=3.9"'
  echo
  echo '[dev-packages]'
  echo 'pytest = ">=8"'
  echo 'ruff = ">=0.8"'
  echo
  echo '[requires]'
  echo 'python_version = "3.11"'
} > Pipfile
"$T/pipenv" lock
"$T/pipenv" requirements --dev | listing > pipenv.expected.txt

# requirements.txt (pip-tools)
mkdir -p "$WORK/pip-tools" && cd "$WORK/pip-tools"
printf '%s\n' "${DEPS[@]}" "matplotlib>=3.9" "pytest>=8" "ruff>=0.8" > requirements.in
"$T/pip-compile" --quiet --generate-hashes --pip-args "--only-binary :all:" \
  -o requirements.txt requirements.in
"$T/python" -c '
from packaging.utils import canonicalize_name
from pip._internal.network.session import PipSession
from pip._internal.req.constructors import install_req_from_parsed_requirement
from pip._internal.req.req_file import parse_requirements
for parsed in parse_requirements("requirements.txt", session=PipSession()):
    req = install_req_from_parsed_requirement(parsed)
    print(f"{canonicalize_name(req.name)}=={next(iter(req.specifier)).version}")
' | listing > requirements.expected.txt

# Copy into the repository with placeholder hosts.
sanitize() {  # $1 source, $2 destination
  "$T/python" - "$1" "$2" <<'EOF'
import re, sys
def host(m: re.Match[str]) -> str:
    scheme, name, rest = m.group(1), m.group(2), m.group(3)
    if name.endswith(".invalid"):
        return m.group(0)
    placeholder = "files.example.invalid" if rest.startswith("/packages/") else "pypi.example.invalid"
    return f"{scheme}{placeholder}{rest}"
text = open(sys.argv[1], encoding="utf-8").read()
text = re.sub(r"(https?://)([^/\s\"'#]+)(/[^\s\"'#]*|)", host, text)
open(sys.argv[2], "w", encoding="utf-8").write(text)
EOF
}
sanitize "$WORK/uv/uv.lock" "$OUT/app.uv.lock"
sanitize "$WORK/uv/pylock.toml" "$OUT/app.pylock.toml"
sanitize "$WORK/poetry/poetry.lock" "$OUT/app.poetry.lock"
sanitize "$WORK/pdm/pdm.lock" "$OUT/app.pdm.lock"
sanitize "$WORK/pipenv/Pipfile.lock" "$OUT/app.Pipfile.lock"
sanitize "$WORK/pip-tools/requirements.txt" "$OUT/app.requirements.txt"
cp "$WORK/uv/uv.expected.txt" "$OUT/app.uv.expected.txt"
cp "$WORK/uv/uv.expected.txt" "$OUT/app.pylock.expected.txt"
cp "$WORK/poetry/poetry.expected.txt" "$OUT/app.poetry.expected.txt"
cp "$WORK/pdm/pdm.expected.txt" "$OUT/app.pdm.expected.txt"
cp "$WORK/pipenv/pipenv.expected.txt" "$OUT/app.Pipfile.expected.txt"
cp "$WORK/pip-tools/requirements.expected.txt" "$OUT/app.requirements.expected.txt"
wc -l "$OUT"/*.expected.txt
