"""Per-call rules: capabilities from the call name, plus the rules that read the arguments."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

from depshield.analyzers import py_env, py_spawn, strings
from depshield.analyzers.base import (
    SIGNAL_DECODE,
    SIGNAL_DOWNLOAD,
    SIGNAL_SINK,
    SIGNAL_SOURCE,
    SIGNAL_SPAWN,
    SIGNAL_WRITE,
)
from depshield.analyzers.py_context import Ctx, tokens_of
from depshield.analyzers.py_decode import codec_how
from depshield.analyzers.py_flow import taint
from depshield.analyzers.py_paths import classify_path
from depshield.analyzers.py_resolve import canonical
from depshield.analyzers.py_rules import (
    DECODERS,
    DOWNLOAD_TO_FILE,
    DOWNLOADS,
    EVAL_CALLS,
    FS_DELETES,
    FS_WRITES,
    IMPORT_FUNCS,
    PICKLE_LOADS,
    SHELL_CALLS,
    classify_call,
    strip_calls,
)
from depshield.analyzers.py_scope import Site

CallRule = Callable[[Ctx, Site, str], None]
_MAX_SCAN = 200_000  # decoded text handed to the string scanner


def kwarg(call: ast.Call, *names: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    return None


def arg(call: ast.Call, index: int, *names: str) -> ast.expr | None:
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return kwarg(call, *names)


def check_call(ctx: Ctx, site: Site) -> None:
    call = site.node
    assert isinstance(call, ast.Call)
    if isinstance(call.func, ast.Attribute):
        _method(ctx, site, call.func)
    qualname = ctx.qualname(call.func, site.scope)
    if qualname is None:
        return
    name = strip_calls(qualname)
    for hit in classify_call(qualname):
        if hit.type in (SIGNAL_SPAWN, SIGNAL_WRITE):
            continue  # emitted by the argument-aware rules below, with the command / path
        props = dict(hit.props)
        if hit.type in (SIGNAL_SINK, SIGNAL_DOWNLOAD):
            target = arg(call, 0, "url")
            url = ctx.resolver.text(target, site.scope) if target is not None else None
            if url and (not name.startswith("socket.") or "://" in url):
                props["url"] = url[:200]
        ctx.emit(hit.type, site, props)
    for rule in RULES.get(name, ()):
        rule(ctx, site, name)


def _method(ctx: Ctx, site: Site, func: ast.Attribute) -> None:
    """Rules on a method name whatever the receiver is (`Path(...).write_text`, `.decode`)."""
    call = site.node
    assert isinstance(call, ast.Call)
    if func.attr in ("write_text", "write_bytes"):
        _write(ctx, site, func.value, "pathlib")
    elif func.attr in _PATH_READS:
        _sensitive(ctx, site, func.value, "pathlib")
    elif func.attr in ("write", "writelines") and call.args:
        _write_data(ctx, site, func.value, call.args[0])
    elif func.attr == "decode" and call.args:
        enc = ctx.resolver.text(call.args[0], site.scope)
        how = codec_how(enc) if enc else None
        if how:
            ctx.emit(SIGNAL_DECODE, site, {"how": how})
            _scan_decoded(ctx, site)


_PATH_READS = frozenset(
    {
        "read_text",
        "read_bytes",
        "open",
        "exists",
        "is_file",
        "is_dir",
        "iterdir",
        "glob",
        "rglob",
        "stat",
    }
)


_CODE_WORDS = ("import", "exec(", "eval(", "__import__")


def _write_data(ctx: Ctx, site: Site, handle: ast.AST, data: ast.AST) -> None:
    """`f.write(data)`: written code is analysed; where it came from links it to a later run."""
    text = ctx.resolver.text(data, site.scope)
    if text and ctx.nested is not None and any(w in text for w in _CODE_WORDS):
        ctx.nested(ctx, text, site, "written-code")
    path = _opened_path(ctx, site, handle)
    if path is None:
        return
    found = taint(ctx, data, site.scope)
    flags = {"decoded"} if found.decoders else set()
    if found.downloads:
        flags.add("downloaded")
    if found.max_literal >= 1000:
        flags.add("embedded")
    tokens = tokens_of([path], ctx, site.scope)
    ctx.event("write-data", site, tokens, frozenset(flags))


def _opened_path(ctx: Ctx, site: Site, handle: ast.AST) -> ast.AST | None:
    """The path argument of the `open(...)` a file handle variable was bound to."""
    if not isinstance(handle, ast.Name):
        return None
    binding = ctx.resolver.binding(handle.id, site.scope)
    for value in binding[0] if binding else []:
        if isinstance(value, ast.Call) and ctx.qualname(value.func, site.scope) in _OPEN_MODULES:
            return arg(value, 0, "file", "filename", "path")
    return None


def _write(ctx: Ctx, site: Site, path: ast.AST | None, module: str) -> None:
    detail = ctx.paths.text(path, site.scope) if path is not None else None
    ctx.emit("filesystemAccess", site, {"module": module})
    ctx.emit(SIGNAL_WRITE, site, {"detail": detail or module})
    ctx.event("write", site, tokens_of([path] if path is not None else [], ctx, site.scope))


def _sensitive(ctx: Ctx, site: Site, path: ast.AST, module: str) -> None:
    """Reading a credential file is worth reporting even though plain reads are not."""
    text = ctx.paths.text(path, site.scope)
    kind = classify_path(text) if text else None
    if kind:
        ctx.emit(
            SIGNAL_SOURCE,
            site,
            {"kind": kind, "detail": text},
            key=("src", getattr(site.node, "lineno", 0), kind),
        )
        ctx.emit("filesystemAccess", site, {"module": module})


_OPEN_MODULES = {
    "open": "builtins",
    "file": "builtins",
    "io.open": "io",
    "codecs.open": "codecs",
    "os.open": "os",
}
_OS_WRITE_FLAGS = frozenset({"O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC"})


def _open(ctx: Ctx, site: Site, name: str) -> None:
    call = site.node
    assert isinstance(call, ast.Call)
    path = arg(call, 0, "file", "filename", "path")
    flags = arg(call, 1, "mode", "flags")
    if name == "os.open":
        writes = flags is not None and any(
            isinstance(n, ast.Attribute) and n.attr in _OS_WRITE_FLAGS for n in ast.walk(flags)
        )
    else:
        mode = ctx.resolver.text(flags, site.scope) if flags is not None else "r"
        writes = mode is not None and any(c in mode for c in "wax+")
    if writes:
        _write(ctx, site, path, _OPEN_MODULES[name])
    elif path is not None:
        _sensitive(ctx, site, path, _OPEN_MODULES[name])


def _file_write(ctx: Ctx, site: Site, name: str) -> None:
    call = site.node
    assert isinstance(call, ast.Call)
    if name in FS_DELETES:
        return  # filesystemAccess comes from the table; deleting is not a write signal
    if name in DOWNLOAD_TO_FILE:
        target = arg(call, 1, "filename", "out")
    elif name.startswith("pathlib.") and isinstance(call.func, ast.Attribute):
        target = call.func.value
    else:
        target = arg(call, 1, "dst") if name.startswith("shutil.") else arg(call, 0)
    detail = ctx.paths.text(target, site.scope) if target is not None else None
    ctx.emit(SIGNAL_WRITE, site, {"detail": detail or name})
    ctx.event("write", site, tokens_of([target] if target is not None else [], ctx, site.scope))


def _path_api(ctx: Ctx, site: Site, name: str) -> None:
    call = site.node
    assert isinstance(call, ast.Call)
    if name in ("os.path.join", "pathlib.Path", "pathlib.PurePath", "os.path.expanduser"):
        _sensitive(ctx, site, call, name.split(".")[0])
    elif call.args:
        _sensitive(ctx, site, call.args[0], name.split(".")[0])


def _import(ctx: Ctx, site: Site, name: str) -> None:
    call = site.node
    assert isinstance(call, ast.Call)
    target = arg(call, 0, "name")
    if target is None:
        return
    got = ctx.resolver.fold_str(target, site.scope)
    if got is None or not isinstance(got.value, str):
        ctx.emit("dynamicRequire", site, {"function": name})
        return
    if got.how:
        ctx.emit("obfuscatedRequire", site, {"module": got.value[:120], "how": sorted(got.how)})
        ctx.hint("obfuscated-import", call, ctx.top(site))
    elif got.value.startswith(".") and name == "importlib.import_module":
        ctx.index.relative_imports.append(got.value)


def _getattr(ctx: Ctx, site: Site, name: str) -> None:
    call = site.node
    assert isinstance(call, ast.Call)
    if len(call.args) < 2:
        return
    got = ctx.resolver.fold_str(call.args[1], site.scope)
    base = ctx.qualname(call.args[0], site.scope)
    if got is None or not got.how or base is None or not isinstance(got.value, str):
        return
    target = canonical(f"{base}.{got.value}")
    ctx.emit("obfuscatedRequire", site, {"module": target[:120], "how": sorted(got.how)})
    if target in EVAL_CALLS or base in ("builtins", "__builtins__", "__builtin__"):
        ctx.hint("hidden-builtin", call, ctx.top(site))


def check_subscript(ctx: Ctx, site: Site) -> None:
    """`__builtins__.__dict__['ex' + 'ec']`: a computed key into a module namespace."""
    node = site.node
    assert isinstance(node, ast.Subscript)
    base = ctx.qualname(node.value, site.scope)
    if base is None or not (
        base.endswith("__dict__") or base in ("__builtins__", "sys.modules", "globals()")
    ):
        return
    got = ctx.resolver.fold_str(node.slice, site.scope)
    if got is None or not got.how or not isinstance(got.value, str):
        return
    target = ctx.qualname(node, site.scope) or got.value
    ctx.emit("obfuscatedRequire", site, {"module": target[:120], "how": sorted(got.how)})
    if target in EVAL_CALLS:
        ctx.hint("hidden-builtin", node, ctx.top(site))


def _codec(ctx: Ctx, site: Site, name: str) -> None:
    call = site.node
    assert isinstance(call, ast.Call)
    enc = arg(call, 1, "encoding")
    text = ctx.resolver.text(enc, site.scope) if enc is not None else None
    how = codec_how(text) if text else None
    if how:
        ctx.emit(SIGNAL_DECODE, site, {"how": how})
        _scan_decoded(ctx, site)


def _scan_decoded(ctx: Ctx, site: Site, name: str = "") -> None:
    """Decoded literals get the same string checks as plain ones (URLs, webhooks...)."""
    got = ctx.resolver.fold(site.node, site.scope)
    if got is None or not got.decoded or got.text is None:
        return
    line = getattr(site.node, "lineno", 1)
    findings = strings.scan_literal(got.text[:_MAX_SCAN], ctx.file, line, ctx.top(site))
    ctx.out.extend(findings)


_DNS = frozenset(
    {
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
        "socket.getaddrinfo",
        "dns.resolver.resolve",
        "dns.resolver.query",
        "dns.resolver.Resolver.resolve",
        "dns.resolver.Resolver.query",
    }
)
_CONNECT = frozenset(
    {"socket.socket.connect", "socket.socket.connect_ex", "socket.create_connection"}
)


def _dns(ctx: Ctx, site: Site, name: str) -> None:
    """A lookup of a computed name can carry data out in the query itself."""
    call = site.node
    assert isinstance(call, ast.Call)
    host = arg(call, 0, "host", "qname")
    if host is None or isinstance(host, ast.Constant):
        return
    if isinstance(host, ast.Call) and ctx.qualname(host.func, site.scope) in (
        "socket.gethostname",
        "socket.getfqdn",
    ):
        return
    ctx.emit(SIGNAL_SINK, site, {"kind": "dns", "detail": name})


def _load_file(ctx: Ctx, site: Site, name: str) -> None:
    """Code loaded from a path (`spec_from_file_location`, `runpy.run_path`, `imp.load_source`)."""
    call = site.node
    assert isinstance(call, ast.Call)
    target = arg(call, 1, "location", "pathname") if name != "runpy.run_path" else arg(call, 0)
    path = ctx.paths.text(target, site.scope) if target is not None else None
    ctx.emit("dynamicRequire", site, {"function": name, "path": (path or "")[:200]})


def _env_get(ctx: Ctx, site: Site, name: str) -> None:
    call = site.node
    assert isinstance(call, ast.Call)
    key = arg(call, 0, "key")
    py_env.report_read(ctx, site, ctx.resolver.text(key, site.scope) if key else None, call)


def _event(kind: str) -> CallRule:
    def rule(ctx: Ctx, site: Site, name: str) -> None:
        ctx.event(kind, site)

    return rule


def _dup2(ctx: Ctx, site: Site, name: str) -> None:
    call = site.node
    assert isinstance(call, ast.Call)
    if call.args and any(
        isinstance(n, ast.Attribute) and n.attr == "fileno" for n in ast.walk(call.args[0])
    ):
        ctx.event("dup2", site)


def _table(entries: Iterable[tuple[Iterable[str], CallRule]]) -> dict[str, list[CallRule]]:
    table: dict[str, list[CallRule]] = {}
    for names, rule in entries:
        for name in names:
            table.setdefault(name, []).append(rule)
    return table


_FILE_LOADERS = (
    "importlib.util.spec_from_file_location",
    "imp.load_source",
    "imp.load_module",
    "runpy.run_path",
)
_PATH_APIS = (
    "os.listdir",
    "os.scandir",
    "os.walk",
    "glob.glob",
    "glob.iglob",
    "shutil.copy",
    "shutil.copy2",
    "shutil.copyfile",
    "shutil.copytree",
    "sqlite3.connect",
    "os.path.exists",
    "os.path.isfile",
    "os.path.isdir",
    "os.path.join",
    "os.path.expanduser",
    "pathlib.Path",
    "pathlib.PurePath",
    "os.stat",
)

RULES: dict[str, list[CallRule]] = _table(
    [
        (_OPEN_MODULES, _open),
        (FS_WRITES | FS_DELETES | DOWNLOAD_TO_FILE, _file_write),
        (_PATH_APIS, _path_api),
        (DOWNLOADS, _event("download")),
        (_CONNECT, _event("connect")),
        (("os.dup2",), _dup2),
        (SHELL_CALLS, py_spawn.spawn_rule),
        (("exec", "eval", "compile", "execfile"), py_spawn.exec_rule),
        (PICKLE_LOADS, py_spawn.pickle_rule),
        (IMPORT_FUNCS, _import),
        (("getattr",), _getattr),
        (("codecs.decode", "codecs.encode"), _codec),
        (DECODERS, _scan_decoded),
        (_DNS, _dns),
        (("os.getenv",), _env_get),
        (_FILE_LOADERS, _load_file),
    ]
)
