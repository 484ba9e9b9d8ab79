"""File rules: writes (and the code or payloads they carry), and reads of credential paths."""

from __future__ import annotations

import ast

from depshield.analyzers.base import SIGNAL_SOURCE, SIGNAL_WRITE
from depshield.analyzers.python.context import Ctx, arg, tokens_of
from depshield.analyzers.python.family import FILE_TYPES, RULES
from depshield.analyzers.python.flow import taint
from depshield.analyzers.python.paths import classify_path
from depshield.analyzers.python.rules import DOWNLOAD_TO_FILE, FS_DELETES, FS_WRITES
from depshield.analyzers.python.scope import Site


def method_rule(ctx: Ctx, site: Site, func: ast.Attribute) -> None:
    """File rules keyed on a method name whatever the receiver (`Path(...).write_text`)."""
    call = site.node
    assert isinstance(call, ast.Call)
    if func.attr in ("write_text", "write_bytes"):
        _write(ctx, site, func.value, "pathlib")
        if call.args:
            _written_code(ctx, site, call.args[0])
    elif func.attr in _PATH_READS:
        _sensitive(ctx, site, func.value, "pathlib")
    elif func.attr in ("write", "writelines") and call.args:
        _write_data(ctx, site, func.value, call.args[0])


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


def _written_code(ctx: Ctx, site: Site, data: ast.AST) -> None:
    """Python source written to a file is analysed as the code it will be."""
    text = ctx.resolver.text(data, site.scope)
    if text and ctx.nested is not None and any(w in text for w in _CODE_WORDS):
        ctx.nested(ctx, text, site, "written-code")


def _write_data(ctx: Ctx, site: Site, handle: ast.AST, data: ast.AST) -> None:
    """`f.write(data)`: written code is analysed; where it came from links it to a later run."""
    _written_code(ctx, site, data)
    path = _opened_path(ctx, site, handle)
    if path is None:
        return
    found = taint(ctx, data, site.scope)
    flags = {"decoded"} if found.encoded else set()
    if found.downloads:
        flags.add("downloaded")
    if found.max_literal >= 1000:
        flags.add("embedded")
    tokens = tokens_of([path], ctx, site.scope)
    ctx.event("write-data", site, tokens, frozenset(flags))


def _opened_path(ctx: Ctx, site: Site, handle: ast.AST) -> ast.AST | None:
    """The path argument of the `open(...)` a file handle variable was bound to; for a named
    temporary file, the handle itself (its `.name` is what a later call runs)."""
    if not isinstance(handle, ast.Name):
        return None
    binding = ctx.resolver.binding(handle.id, site.scope)
    for value in binding[0] if binding else []:
        if not isinstance(value, ast.Call):
            continue
        name = ctx.qualname(value.func, site.scope)
        if name in OPEN_MODULES:
            return arg(value, 0, "file", "filename", "path")
        if name in _TEMP_FILES:
            return handle
    return None


# Temporary files whose name is readable afterwards: droppers write a download into one and
# run `tmp.name`, so no path literal links the write to the run.
_TEMP_FILES = frozenset({"tempfile.NamedTemporaryFile", "tempfile.TemporaryFile"})


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


OPEN_MODULES = {
    "open": "builtins",
    "file": "builtins",
    "io.open": "io",
    "codecs.open": "codecs",
    "os.open": "os",
}
_OS_WRITE_FLAGS = frozenset({"O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC"})


@RULES.rule("python.call.open", reads="qualname", names=OPEN_MODULES, emits=FILE_TYPES)
def open_rule(ctx: Ctx, site: Site, name: str) -> None:
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
        _write(ctx, site, path, OPEN_MODULES[name])
    elif path is not None:
        _sensitive(ctx, site, path, OPEN_MODULES[name])


@RULES.rule(
    "python.call.file-write",
    reads="qualname",
    names=FS_WRITES | FS_DELETES | DOWNLOAD_TO_FILE,
    emits=FILE_TYPES,
)
def file_write_rule(ctx: Ctx, site: Site, name: str) -> None:
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


PATH_APIS = (
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


@RULES.rule("python.call.path-api", reads="qualname", names=PATH_APIS, emits=FILE_TYPES)
def path_api_rule(ctx: Ctx, site: Site, name: str) -> None:
    call = site.node
    assert isinstance(call, ast.Call)
    if name in ("os.path.join", "pathlib.Path", "pathlib.PurePath", "os.path.expanduser"):
        _sensitive(ctx, site, call, name.split(".")[0])
    elif call.args:
        _sensitive(ctx, site, call.args[0], name.split(".")[0])
