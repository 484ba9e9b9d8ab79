"""Environment access: single variable reads versus taking the whole of os.environ."""

from __future__ import annotations

import ast
import re
from typing import Literal

from depshield.analyzers.base import SIGNAL_SOURCE
from depshield.analyzers.python.context import Ctx
from depshield.analyzers.python.family import ENV_TYPES, RULES
from depshield.analyzers.python.rules import SHELL_CALLS, SINKS, strip_calls
from depshield.analyzers.python.scope import Site

ENVIRON = frozenset({"os.environ", "posix.environ", "nt.environ"})
# Names that hold credentials. The AWS_/NPM_/GITHUB_ prefixes count unless the name says it is
# configuration (a region, a file, a directory, a CI run attribute).
_SECRET = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL", re.IGNORECASE
)
_SECRET_PREFIX = re.compile(r"^(?:AWS|NPM|GITHUB|GH|PYPI|TWINE)_", re.IGNORECASE)
_NOT_SECRET = re.compile(
    r"_(?:REGION|PROFILE|FILE|DIR|DIRECTORY|PATH|HOME|URL|ENDPOINT\w*|ACTIONS|WORKSPACE|REF"
    r"|REF_NAME|SHA|RUN_ID|RUN_NUMBER|EVENT_NAME|EVENT_PATH|REPOSITORY|ACTOR|JOB|OUTPUT|ENV"
    r"|STEP_SUMMARY|SERVER_URL|API_URL|BASE_REF|HEAD_REF|PREFIX|CONFIG_PREFIX|USERNAME|USER)$",
    re.IGNORECASE,
)
_ITERATED = "items"  # detail of an "all" use that walks the variables one by one
_READ_METHODS = frozenset({"get", "setdefault", "pop", "__getitem__", "__contains__"})
_WHOLE_METHODS = frozenset({"items", "values", "__repr__", "__str__"})
# Calls that turn the environment into data: serialisers, encoders, printing, sending.
_DATA_CALLS = frozenset(
    {
        "str",
        "repr",
        "print",
        "format",
        "bytes",
        "json.dumps",
        "json.dump",
        "pickle.dumps",
        "pickle.dump",
        "marshal.dumps",
        "yaml.dump",
        "yaml.safe_dump",
        "base64.b64encode",
        "base64.urlsafe_b64encode",
        "base64.b32encode",
        "base64.b16encode",
        "zlib.compress",
        "urllib.parse.urlencode",
        "pprint.pformat",
        "pprint.pprint",
    }
)
_DATA_METHODS = frozenset(
    {
        "dumps",
        "dump",
        "write",
        "writelines",
        "send",
        "sendall",
        "sendto",
        "post",
        "put",
        "encode",
        "format",
        "join",
    }
)

# read: one variable; all: the whole environment as data; names: the variable names as data;
# copy/alias: follow the variable; handoff: given to a child process; other: used in a way
# that says nothing; ignore: a write.
Use = tuple[
    Literal["read", "all", "names", "copy", "alias", "handoff", "other", "ignore"], str | None
]


def is_secret(name: str) -> bool:
    if _SECRET.search(name):
        return True
    return bool(_SECRET_PREFIX.search(name)) and not _NOT_SECRET.search(name)


def _shown(site: Site) -> ast.AST:
    """The expression around an environ reference (`os.environ.get('X')`) for the evidence."""
    shown = site.node
    for parent in reversed(site.parents[-2:]):
        if not isinstance(parent, ast.Attribute | ast.Subscript | ast.Call):
            break
        shown = parent
    return shown


def report_read(ctx: Ctx, site: Site, name: str | None, node: ast.AST) -> None:
    var = name or "*"
    ctx.emit("envVars", site, {"envVars": [var]}, node=node, key=("env", node, var))
    if name and is_secret(name):
        ctx.emit(
            SIGNAL_SOURCE,
            site,
            {"kind": "secret-env", "detail": name},
            node=node,
            key=("secret", node, name),
        )


def report_all(ctx: Ctx, site: Site, node: ast.AST) -> None:
    _report_environ(ctx, site, node, "env-all", "env-all", "os.environ")


def report_names(ctx: Ctx, site: Site, node: ast.AST) -> None:
    """The variable names formatted into data: a survey of the host (which tools, clouds and
    CI it runs), what dependency-confusion probes send home along with the host name."""
    _report_environ(ctx, site, node, "env-names", "system-info", "os.environ names")


def _report_environ(ctx: Ctx, site: Site, node: ast.AST, tag: str, kind: str, detail: str) -> None:
    """The whole environment read: an `envVars` capability and the flow source of `kind`."""
    ctx.emit("envVars", site, {"envVars": ["*"]}, node=node, key=("env", node, "*"))
    ctx.emit(SIGNAL_SOURCE, site, {"kind": kind, "detail": detail}, node=node, key=(tag, node))


@RULES.rule("python.environ", reads="module", emits=ENV_TYPES)
def check_environ(ctx: Ctx) -> None:
    for site in ctx.index.environ:
        if ctx.qualname(site.node, site.scope) in ENVIRON:
            _follow(ctx, site, 0)


def _follow(ctx: Ctx, site: Site, hops: int) -> None:
    """Classify one use of the environment (or of an alias of it) and report it."""
    kind, detail = _use(ctx, site)
    if kind == "read":
        report_read(ctx, site, detail if isinstance(detail, str) else None, _shown(site))
    elif kind == "all":
        report_all(ctx, site, _shown(site))
    elif kind == "names":
        report_names(ctx, site, _shown(site))
    elif kind == "alias" and isinstance(detail, str) and hops < 3:
        for use in site.scope.name_loads.get(detail, []):
            _follow(ctx, use, hops + 1)
    elif kind == "copy" and isinstance(detail, str) and not _copy_used(ctx, site, detail, hops):
        report_all(ctx, site, _shown(site))


def _copy_used(ctx: Ctx, site: Site, name: str, hops: int) -> bool:
    """`env = dict(os.environ)`: True when the copy is accounted for by its later uses.

    Handing the copy to a child process (`env=env`) is what build scripts do; any use as
    data (`json.dumps(env)`, `requests.post(json=env)`) is reported where it happens.
    """
    accounted = False
    for use in _uses(ctx, site, name):
        kind, detail = _use(ctx, use)
        if kind == "all" and detail == _ITERATED:
            accounted = True  # `for k, v in saved.items()`: restoring a snapshot
        elif kind == "all":
            report_all(ctx, use, _shown(use))
            accounted = True
        elif kind in ("handoff", "other"):
            accounted = True
        elif kind in ("copy", "alias") and isinstance(detail, str) and hops < 3:
            accounted = _copy_used(ctx, use, detail, hops + 1) or accounted
    return accounted


def _uses(ctx: Ctx, site: Site, name: str) -> list[Site]:
    """Loads of the variable bound at `site`: in its scope, and in nested functions for a
    module-level variable (`_ORIGINAL = os.environ.copy()` restored in a test helper)."""
    uses = list(site.scope.name_loads.get(name, []))
    if site.scope.kind == "module":
        for scope in ctx.index.scopes:
            if scope is site.scope or name not in scope.name_loads:
                continue
            binding = ctx.resolver.binding(name, scope)
            if binding is not None and binding[1] is site.scope:
                uses.extend(scope.name_loads[name])
    return uses


def _use(ctx: Ctx, site: Site) -> Use:
    node, parents = site.node, site.parents
    parent = parents[-1] if parents else None
    if isinstance(parent, ast.Subscript) and parent.value is node:
        if isinstance(parent.ctx, ast.Load):
            return "read", ctx.resolver.text(parent.slice, site.scope)
        return "ignore", None
    if isinstance(parent, ast.Attribute) and parent.value is node:
        return _method_use(ctx, site, parent)
    if isinstance(parent, ast.Call) and node in parent.args:
        if ctx.qualname(parent.func, site.scope) == "dict":
            return _copied(ctx, site, parents[:-1])
        return _call_use(ctx, site, parent)
    if isinstance(parent, ast.keyword):
        return _keyword_use(ctx, site, parent, parents[:-1])
    if isinstance(parent, ast.Compare) and node in parent.comparators:
        return "read", ctx.resolver.text(parent.left, site.scope)
    if isinstance(parent, ast.For | ast.comprehension) and parent.iter is node:
        return "other", None  # `for name in os.environ`: the names, not the values
    if isinstance(parent, ast.Dict) and node in parent.values:
        key = parent.keys[parent.values.index(node)]
        if key is None:
            return _copied(ctx, site, parents[:-1])
        handed = ctx.resolver.text(key, site.scope) == "env"  # {"env": env}
        return ("handoff", None) if handed else ("other", None)
    if isinstance(parent, ast.Assign) and parent.value is node:
        return _assigned(ctx, site, parent)
    if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.BitOr):
        return _copied(ctx, site, parents[:-1])  # `os.environ | {...}`: a merged copy
    if isinstance(parent, ast.BinOp | ast.FormattedValue):
        return "all", None  # formatted into a string
    return "other", None


def _assigned(ctx: Ctx, site: Site, assign: ast.Assign) -> Use:
    target = assign.targets[0]
    if isinstance(target, ast.Name):
        return "alias", target.id
    if isinstance(target, ast.Subscript) and ctx.resolver.text(target.slice, site.scope) == "env":
        return "handoff", None  # kw["env"] = env
    return "other", None


def _method_use(ctx: Ctx, site: Site, attr: ast.Attribute) -> Use:
    parents = site.parents
    call = parents[-2] if len(parents) >= 2 else None
    if not isinstance(call, ast.Call) or call.func is not attr:
        return "ignore", None
    if attr.attr in _READ_METHODS:
        key = ctx.resolver.text(call.args[0], site.scope) if call.args else None
        return "read", key
    if attr.attr == "copy":
        return _copied(ctx, site, parents[:-2])
    if attr.attr in _WHOLE_METHODS:
        if _in_env_keyword(parents):
            return "handoff", None
        return _iterated(ctx, site, call, parents[:-2])
    if attr.attr == "keys":
        return _names_use(ctx, site, parents[:-2])
    return "ignore", None


def _iterated(ctx: Ctx, site: Site, call: ast.Call, outer: tuple[ast.AST, ...]) -> Use:
    """`os.environ.items()` walked by a loop: a filtered walk (`if key.startswith(PREFIX)`) reads
    the variables it selects, a walk that only stores the pairs in a dict is a copy of the
    environment (judged by what the copy is used for); anything else takes it all."""
    loop = outer[-1] if outer else None
    if isinstance(loop, ast.comprehension) and loop.iter is call and len(outer) >= 2:
        comp = outer[-2]
        if loop.ifs:
            return _selected(ctx, site, loop.ifs)
        if isinstance(comp, ast.DictComp):
            return _copied(ctx, site, outer[:-2])
    elif isinstance(loop, ast.For) and loop.iter is call:
        tests = [n.test for stmt in loop.body for n in ast.walk(stmt) if isinstance(n, ast.If)]
        if tests:
            return _selected(ctx, site, tests)
        stores = [_stored_in(stmt) for stmt in loop.body]
        if stores and stores[0] is not None and len(set(stores)) == 1:
            return "copy", stores[0]
    return "all", _ITERATED


def _selected(ctx: Ctx, site: Site, tests: list[ast.expr]) -> Use:
    """A filtered walk: the variables whose names the filter spells out (a secret-looking
    `"TOKEN" in key` is a secret read, a package's own `PREFIX_` is configuration)."""
    selects = False
    for test in tests:
        for node in ast.walk(test):
            text = ctx.resolver.text(node, site.scope) if isinstance(node, ast.expr) else None
            if text and is_secret(text):
                return "read", text
            selects = selects or _selects(node)
    # An exclusion (`if key != "PATH"`) still takes the rest of the environment.
    return ("other", None) if selects else ("all", _ITERATED)


def _selects(node: ast.AST) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("startswith", "endswith", "match", "fullmatch")
    return isinstance(node, ast.Compare) and all(isinstance(op, ast.Eq | ast.In) for op in node.ops)


def _stored_in(stmt: ast.stmt) -> str | None:
    """`env[k] = v` (or `env[k] = env.get(k, v)`): the name of the dict the pairs go into."""
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
        return None
    target = stmt.targets[0]
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
        return target.value.id
    return None


def _names_use(ctx: Ctx, site: Site, outer: tuple[ast.AST, ...]) -> Use:
    """`os.environ.keys()`: data when formatted into text or serialised, else a lookup."""
    parent = outer[-1] if outer else None
    if isinstance(parent, ast.FormattedValue) or (
        isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Mod | ast.Add)
    ):
        return "names", None
    if isinstance(parent, ast.Call) and _call_use(ctx, site, parent)[0] == "all":
        return "names", None
    return "other", None


def _call_use(ctx: Ctx, site: Site, call: ast.Call) -> Use:
    """The environment handed to a call: data when serialised or sent, else not judged."""
    func = ctx.qualname(call.func, site.scope)
    name = strip_calls(func) if func else None
    if name in SHELL_CALLS:
        return "handoff", None  # os.execve(path, args, os.environ): handed to a child process
    if name in _DATA_CALLS or name in SINKS:
        return "all", None
    if isinstance(call.func, ast.Attribute) and call.func.attr in _DATA_METHODS:
        return "all", None
    return "other", None


def _keyword_use(ctx: Ctx, site: Site, keyword: ast.keyword, outer: tuple[ast.AST, ...]) -> Use:
    if keyword.arg == "env":
        return "handoff", None
    call = outer[-1] if outer else None
    if isinstance(call, ast.Call):
        return _call_use(ctx, site, call)
    return "other", None


def _copied(ctx: Ctx, site: Site, outer: tuple[ast.AST, ...]) -> Use:
    """A copy of the environment: harmless as `env=` of a child, else follow the variable."""
    if _in_env_keyword(outer):
        return "handoff", None
    parent = outer[-1] if outer else None
    if isinstance(parent, ast.Assign) and isinstance(parent.targets[0], ast.Name):
        return "copy", parent.targets[0].id
    if isinstance(parent, ast.Call):
        return _call_use(ctx, site, parent)
    if isinstance(parent, ast.keyword):
        return _keyword_use(ctx, site, parent, outer[:-1])
    if isinstance(parent, ast.BinOp | ast.FormattedValue):
        return "all", None
    call = outer[-2] if len(outer) >= 2 else None
    is_method = isinstance(call, ast.Call) and call.func is parent
    if isinstance(parent, ast.Attribute) and is_method and parent.attr == "keys":
        # `dict(os.environ).keys()`: the names of the copy are the names of the original
        return _names_use(ctx, site, outer[:-2])
    return "other", None


def _in_env_keyword(parents: tuple[ast.AST, ...]) -> bool:
    return any(isinstance(p, ast.keyword) and p.arg == "env" for p in parents)
