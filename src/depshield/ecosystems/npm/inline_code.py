"""JavaScript an install script hands node inline (`node -e "..."`), analysed as install-time code.

`"postinstall": "node -e \"eval(Buffer.from(require('./data.json').v,'hex').toString())\""`
runs code that is in no file of the package: the shell analyzer sees only a `node` command.
The inline code goes through the same JavaScript analyzer, its findings placed on the
script's line of package.json (2024 incidents kept the payload in a JSON file this way).
"""

from __future__ import annotations

from dataclasses import replace

from depshield.model import Finding

_NODE = frozenset({"node", "nodejs", "bun"})
_INLINE = frozenset({"-e", "--eval", "-p", "--print"})
MAX_INLINE = 64 << 10  # characters: a script line longer than this is not a hook, it is a file


def inline_findings(text: str, file: str, line_offset: int) -> list[Finding]:
    """Findings of the JavaScript each `node -e CODE` in script `text` runs."""
    from depshield.analyzers.javascript import JavaScriptAnalyzer
    from depshield.analyzers.shell.parse import parse_script

    out: list[Finding] = []
    for cmd in parse_script(text, line_offset).commands:
        code = _inline_code(cmd.name, [w.text for w in cmd.args])
        if code is None:
            continue
        analysis = JavaScriptAnalyzer().analyze(f"{file}#node-e.js", code.encode("utf-8"))
        for f in analysis.findings:
            props = {**f.props, "inline": f"{cmd.name} -e"}
            out.append(replace(f, file=file, line=cmd.line, column=0, props=props, top_level=True))
    return out


def _inline_code(name: str, args: list[str]) -> str | None:
    if name not in _NODE:
        return None
    for i, arg in enumerate(args[:-1]):
        if arg in _INLINE:
            code = args[i + 1]
            return code if 0 < len(code) <= MAX_INLINE else None
        if not arg.startswith("-"):
            return None  # the script file: what follows are its own arguments
    return None
