"""Child processes: spawn signals, and the shell text they run handed to the shell analyzer."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from depshield.analyzers.base import SIGNAL_SPAWN
from depshield.analyzers.javascript import text as js_text
from depshield.analyzers.javascript.catalog import SHELLS, SPAWN_FUNCTIONS

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.context import JsContext
    from depshield.analyzers.javascript.fold import Folded
    from depshield.analyzers.javascript.resolve import Ref

SHELL_FLAGS = frozenset({"-c", "/c", "/C", "-Command", "-command", "/s", "-lc", "-ic"})
REVERSE_SHELL = re.compile(
    r"/dev/(tcp|udp)/|\bnc(at)?\b[^|;&]*\s-[ec]\s|\bsocat\b[^|;&]*exec:|\b(ba)?sh -i\b[^|;&]*>&"
    r"|mkfifo\b[^;&]*\bnc\b",
    re.IGNORECASE,
)
# (module, path) -> "exec" (one shell string), "spawn" (program + argv), "fork" (a node module).
_EXECA = {
    (): "spawn",
    ("sync",): "spawn",
    ("execa",): "spawn",
    ("execaSync",): "spawn",
    ("command",): "exec",
    ("commandSync",): "exec",
    ("execaCommand",): "exec",
    ("execaCommandSync",): "exec",
    ("$",): "exec",
}


def spawn_kind(ref: Ref) -> str | None:
    if ref.base == "child_process" and len(ref.path) == 1 and ref.path[0] in SPAWN_FUNCTIONS:
        name = ref.path[0]
        return (
            "exec"
            if name.startswith("exec") and "File" not in name
            else ("fork" if name == "fork" else "spawn")
        )
    if ref.base == "execa":
        return _EXECA.get(ref.path)
    if ref.base == "cross-spawn" and ref.path in ((), ("sync",), ("spawn",)):
        return "spawn"
    if ref.base == "shelljs" and ref.path == ("exec",):
        return "exec"
    return None


def on_spawn(ctx: JsContext, node: Node, ref: Ref, name: str) -> None:
    kind = spawn_kind(ref)
    if kind is None:
        return
    args = ctx.args(node)
    cmd = ctx.folder.fold(args[0]) if args else None
    argv_node = args[1] if len(args) > 1 and args[1].type == "array" else None
    argv = ctx.folder.fold_list(argv_node, 0) if argv_node is not None else None
    command = cmd.value if cmd is not None else None
    props: dict[str, object] = {"command": command, "detail": name}
    if command is not None and argv:
        # Program and argv apart, as the shell analyzer reports them: the correlation rules
        # ask "is this curl?" and "which shipped file does node start?".
        props["args"] = " ".join(a.value for a in argv)
    key = " ".join([command, str(props.get("args", ""))]) if command else name
    ctx.emit(SIGNAL_SPAWN, node, props, key=key)
    if cmd is None and args:
        ctx.sites.remember(ctx.sites.spawns, node)
    shell = _shell_text(ctx, kind, args, cmd, argv_node)
    if shell is not None:
        # The shell analyzer (tree-sitter-bash and its tables) loads only for a file that
        # hands text to a shell: most JavaScript never does.
        from depshield.analyzers.shell import analyze_shell

        text, where = shell
        top = ctx.top(node)
        ctx.out.extend(analyze_shell(text, ctx.path, where.start_point[0], top))
        if REVERSE_SHELL.search(text):
            ctx.emit("reverseShell", node, {"shell": text[:80], "how": "command"})
    for program in _programs(ctx, kind, args[0] if args else None):
        if re.split(r"[/\\]", program)[-1].lower() in SHELLS:
            ctx.sites.remember(ctx.sites.shells, (node, program))
            break


def _programs(ctx: JsContext, kind: str, arg: Node | None) -> list[str]:
    """The program(s) a spawn may start: both sides of `isWin ? 'cmd' : '/bin/sh'`."""
    if arg is not None and arg.type == "identifier":
        binding = ctx.bindings.lookup(ctx.text(arg), arg.start_byte)
        if binding is not None and binding.value is not None and not binding.path:
            arg = binding.value
    if arg is None:
        return []
    options: list[Node | None] = [arg]
    if arg.type == "ternary_expression":
        options = [arg.child_by_field_name("consequence"), arg.child_by_field_name("alternative")]
    out = []
    for option in options:
        folded = ctx.folder.fold(option) if option is not None else None
        words = folded.value.split() if folded is not None else []
        if folded is not None and words:
            out.append(words[0] if kind == "exec" else folded.value)
    return out


def _shell_text(
    ctx: JsContext, kind: str, args: list[Node], cmd: Folded | None, argv_node: Node | None
) -> tuple[str, Node] | None:
    """The shell command text a call runs, with the node it starts at."""
    if not args or kind == "fork":
        return None
    if kind == "exec":
        if cmd is not None:
            return cmd.value, args[0]
        partial = _with_holes(ctx, args[0])
        return (partial, args[0]) if partial is not None else None
    program = re.split(r"[/\\]", cmd.value)[-1].lower() if cmd is not None else ""
    if program in SHELLS and argv_node is not None:
        elements = [e for e in argv_node.named_children if e.type != "comment"]
        for i, element in enumerate(elements[:-1]):
            flag = ctx.folder.fold(element)
            if flag is not None and flag.value in SHELL_FLAGS:
                text = ctx.folder.fold(elements[i + 1])
                if text is not None:
                    return text.value, elements[i + 1]
                partial = _with_holes(ctx, elements[i + 1])
                return (partial, elements[i + 1]) if partial is not None else None
    if cmd is not None and _shell_option(ctx, args[-1]):
        argv = ctx.folder.fold_list(argv_node, 0) if argv_node is not None else []
        return " ".join([cmd.value, *(a.value for a in argv or [])]), args[0]
    return None


def _shell_option(ctx: JsContext, node: Node) -> bool:
    """`{shell: true}` (or a shell path) in a spawn options object."""
    if node.type != "object":
        return False
    for pair in node.named_children:
        if pair.type != "pair":
            continue
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if key is not None and value is not None and ctx.text(key).strip("'\"") == "shell":
            return value.type not in ("false", "null", "undefined")
    return False


def _with_holes(ctx: JsContext, node: Node, depth: int = 2) -> str | None:
    """A template string with `${expr}` parts replaced by `$EXPR`, so the shell analyzer can
    still see `curl ${url} | sh`; likewise a concatenation (`'node ' + file`) and a constant
    naming either (`const cmd = "curl -o " + dest; exec(cmd)`)."""
    if node.type == "identifier" and depth > 0:
        binding = ctx.bindings.lookup(ctx.text(node), node.start_byte)
        if binding is None or binding.value is None or binding.path:
            return None
        return _with_holes(ctx, binding.value, depth - 1)
    if node.type == "binary_expression" and depth > 0:
        op = node.child_by_field_name("operator")
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if op is None or ctx.text(op) != "+" or left is None or right is None:
            return None
        sides = [_hole(ctx, side, depth - 1) for side in (left, right)]
        # Only a concatenation that starts with words: `'node ' + x`, not `a + b`.
        return "".join(sides) if sides[0] != "$EXPR" else None
    if node.type != "template_string":
        return None
    parts = []
    for child in node.named_children:
        if child.type == "template_substitution":
            inner = child.named_child(0)
            folded = ctx.folder.fold(inner) if inner is not None else None
            parts.append(folded.value if folded is not None else "$EXPR")
        else:
            parts.append(js_text.unescape(ctx.text(child)))
    return "".join(parts)


def _hole(ctx: JsContext, node: Node, depth: int) -> str:
    folded = ctx.folder.fold(node)
    if folded is not None:
        return folded.value
    if node.type in ("binary_expression", "template_string"):
        return _with_holes(ctx, node, depth) or "$EXPR"
    return "$EXPR"
