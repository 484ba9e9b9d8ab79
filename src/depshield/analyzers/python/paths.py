"""Approximate text of path expressions and classification of sensitive or credential paths."""

from __future__ import annotations

import ast
import re

from depshield.analyzers.python.resolve import Resolver
from depshield.analyzers.python.scope import Scope

UNKNOWN = "{?}"
_MAX_DEPTH = 12

_SENSITIVE = re.compile(
    r"(^|/)\.ssh(/|$)|id_rsa|id_dsa|id_ecdsa|id_ed25519|(^|/)\.npmrc$|(^|/)\.pypirc$"
    r"|/etc/passwd|/etc/shadow|(^|/)\.aws(/|$)|(^|/)\.env$|(^|/)\.git-credentials$"
    r"|(^|/)\.(bash|zsh|sh)_history$|(^|/)\.netrc$|(^|/)\.docker/config\.json"
    r"|(^|/)\.kube/config|(^|/)\.gnupg(/|$)|(^|/)\.config/gcloud|(^|/)\.azure(/|$)",
    re.IGNORECASE,
)
_CREDENTIAL_STORE = re.compile(
    r"local state$|login data|(^|/)cookies$|(^|/)web data$|leveldb|discord|(^|/)exodus"
    r"|electrum|metamask|nkbihfbeogaeaoehlefnkodbefgpgknn|\.ethereum|wallet\.dat|key4\.db"
    r"|logins\.json|telegram desktop/tdata|(^|/)\.bitcoin|(^|/)atomic/local storage"
    r"|(^|/)coinomi|(^|/)guarda|(^|/)keychains?(/|$)",
    re.IGNORECASE,
)

_PASS_THROUGH = frozenset(
    {
        "os.path.expanduser",
        "os.path.expandvars",
        "os.path.abspath",
        "os.path.realpath",
        "os.path.normpath",
        "os.fspath",
        "str",
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PosixPath",
        "pathlib.WindowsPath",
    }
)
_PERCENT = re.compile(r"%%|%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrifxXeEgGc]")
_FIELD = re.compile(r"\{([\w]*)(?:[!:][^{}]*)?\}")
_HOME = frozenset({"pathlib.Path.home", "os.path.expanduser", "pathlib.Path().home"})
_ENV_GET = frozenset({"os.getenv", "os.environ.get", "os.environ.__getitem__"})


def classify_path(text: str) -> str | None:
    """`credential-store`, `sensitive-file` or None for an approximate path text."""
    norm = text.replace("\\\\", "/").replace("\\", "/").rstrip("/")
    if _CREDENTIAL_STORE.search(norm):
        return "credential-store"
    if _SENSITIVE.search(norm):
        return "sensitive-file"
    return None


class PathText:
    """Builds `~/.ssh/id_rsa`-like text from path expressions; unknown parts become `{?}`."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver

    def text(self, node: ast.AST, scope: Scope) -> str | None:
        """Approximate text, or None when nothing of the path is known."""
        out = self._text(node, scope, 0)
        return None if out is None or out.replace(UNKNOWN, "").strip("/") == "" else out

    def _text(self, node: ast.AST, scope: Scope, depth: int) -> str | None:
        if depth > _MAX_DEPTH:
            return None
        got = self.resolver.fold_str(node, scope)
        if got is not None:
            return got.text
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Div):
            sep = "/" if isinstance(node.op, ast.Div) else ""
            return self._part(node.left, scope, depth) + sep + self._part(node.right, scope, depth)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            return self._percent(node, scope, depth)
        if isinstance(node, ast.JoinedStr):
            return "".join(self._part(v, scope, depth) for v in node.values)
        if isinstance(node, ast.FormattedValue):
            return self._part(node.value, scope, depth)
        if isinstance(node, ast.Call):
            return self._call(node, scope, depth)
        if isinstance(node, ast.Subscript):
            key = self.resolver.text(node.slice, scope)
            base = self.resolver.qualname(node.value, scope)
            return f"%{key}%" if key and base == "os.environ" else None
        if isinstance(node, ast.Name):
            found = self.resolver.binding(node.id, scope)
            if found and len(found[0]) == 1 and found[0][0] is not None:
                return self._text(found[0][0], found[1], depth + 1)
        if self.resolver.qualname(node, scope) == "sys.executable":
            return "python"  # what a command line starting with it runs
        return None

    def _percent(self, node: ast.BinOp, scope: Scope, depth: int) -> str | None:
        """`'echo %s | sh' % x`: the template with each known argument put in."""
        template = self.resolver.text(node.left, scope)
        if template is None:
            return None
        values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        parts = iter([self._part(v, scope, depth) for v in values])
        return _PERCENT.sub(lambda m: "%" if m.group(0) == "%%" else next(parts, UNKNOWN), template)

    def _format(self, node: ast.Call, scope: Scope, depth: int) -> str | None:
        """`'curl {} -o {out}'.format(a, out=b)`: the template with the arguments put in."""
        assert isinstance(node.func, ast.Attribute)
        template = self.resolver.text(node.func.value, scope)
        if template is None:
            return None
        args = [self._part(a, scope, depth) for a in node.args]
        kwargs = {k.arg: self._part(k.value, scope, depth) for k in node.keywords if k.arg}
        auto = iter(args)

        def put(match: re.Match[str]) -> str:
            key = match.group(1)
            if not key:
                return next(auto, UNKNOWN)
            if key.isdigit():
                return args[int(key)] if int(key) < len(args) else UNKNOWN
            return kwargs.get(key, UNKNOWN)

        return _FIELD.sub(put, template)

    def _part(self, node: ast.AST, scope: Scope, depth: int) -> str:
        return self._text(node, scope, depth + 1) or UNKNOWN

    def _call(self, node: ast.Call, scope: Scope, depth: int) -> str | None:
        name = self.resolver.qualname(node.func, scope)
        args = node.args
        if name in _HOME and (not args or self.resolver.text(args[0], scope) == "~"):
            return "~"
        method = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if name == "os.path.join" or method == "joinpath":
            parts = [self._part(a, scope, depth) for a in args]
            if isinstance(node.func, ast.Attribute) and method == "joinpath":
                parts.insert(0, self._part(node.func.value, scope, depth))
            return "/".join(parts)
        if name in _PASS_THROUGH and args:
            return self._text(args[0], scope, depth + 1)
        if name in _ENV_GET and args:
            key = self.resolver.text(args[0], scope)
            return f"%{key}%" if key else None
        if isinstance(node.func, ast.Attribute) and method in ("expanduser", "resolve", "absolute"):
            return self._text(node.func.value, scope, depth + 1)
        if method == "format":
            return self._format(node, scope, depth)
        return None
