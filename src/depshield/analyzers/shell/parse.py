"""Shell text to flat commands with tree-sitter-bash: wrappers unwrapped, `sh -c` texts expanded."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

# Node types whose value is only known at run time.
_COMPUTED = frozenset({
    "simple_expansion", "expansion", "command_substitution", "process_substitution",
    "arithmetic_expansion"
})  # fmt: skip
# Nested shell texts (`sh -c "..."` inside `cmd /c "..."`) are followed this deep, no deeper.
_MAX_TEXT_DEPTH = 3
# Syntax nesting deeper than this is hostile input, not a script anyone wrote.
_MAX_NODE_DEPTH = 200
# Commands that run the command named by their arguments ("sudo curl", "start /B node x.js").
_PREFIX_WRAPPERS = frozenset({
    "sudo", "env", "cross-env", "cross-env-shell", "nohup", "exec", "time", "command", "nice",
    "timeout", "start", "call", "doas", "stdbuf", "setsid"
})  # fmt: skip
# Options of those wrappers that take a separate value ("sudo -u root", "nice -n 5").
_WRAPPER_VALUE_OPTS = frozenset({"-u", "-g", "-n", "-C", "-D", "-o"})
# Node types that are arguments of a command (redirections and comments are not).
_ARG_TYPES = _COMPUTED | frozenset({
    "word", "string", "raw_string", "ansi_c_string", "translated_string", "concatenation",
    "number", "subshell", "command_name"
})  # fmt: skip
SHELLS = frozenset({
    "sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "cmd", "powershell", "pwsh"
})  # fmt: skip
# The options after which a shell's next argument is a command text to run.
_TEXT_OPTS = frozenset({"-c", "/c", "/k", "/s/c", "-command", "-com", "-comm", "/r"})


@dataclass(frozen=True, slots=True)
class Word:
    """One argument: unquoted text (expansions kept as written) and whether it is computed."""

    text: str
    computed: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    """One simple command after unwrapping `sudo`/`env`/`start`... wrappers."""

    name: str  # lower-case basename without .exe/.cmd: "curl", "node", "x.sh"
    program: str  # as written: "./install.sh", "C:\\Windows\\certutil.exe"
    args: tuple[Word, ...]
    line: int  # 1-based line in the analysed file
    text: str  # source text of the whole command
    # Commands run inside its arguments: $(...), `...`, <(...), (subshell), `sh -c "..."`.
    inner: tuple[Command, ...] = ()


@dataclass(frozen=True, slots=True)
class Script:
    """Every command of a shell text in document order, plus the stages of each pipeline."""

    commands: tuple[Command, ...] = ()
    pipelines: tuple[tuple[Command, ...], ...] = ()


@cache
def _parser() -> Parser:
    from tree_sitter import Parser

    from depshield.analyzers.grammars import language

    return Parser(language("tree_sitter_bash"))


def parse_script(text: str, line_offset: int = 0) -> Script:
    """Parse `text` (whose first line is line `line_offset + 1`) into a Script."""
    walker = _Walker()
    walker.text(text, line_offset, 0)
    return Script(tuple(walker.commands), tuple(walker.pipelines))


def command_key(program: str) -> str:
    """The lower-case basename of a program path without a Windows executable suffix."""
    base = program.replace("\\", "/").rsplit("/", 1)[-1].lower()
    for suffix in (".exe", ".cmd", ".bat", ".com"):
        if base.endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return base


def options_then_rest(args: tuple[Word, ...], value_opts: frozenset[str]) -> tuple[Word, ...]:
    """`args` after the leading options (and the values of options in `value_opts`)."""
    i = 0
    while i < len(args):
        a = args[i].text
        if a == "--":
            return args[i + 1 :]
        if not a.startswith("-") or a == "-":
            break
        i += 2 if a in value_opts else 1
    return args[i:]


def _word(node: Node) -> Word:
    raw = _text(node)
    computed = node.type in _COMPUTED or _has_descendant(node, _COMPUTED)
    if node.type in ("string", "raw_string") and len(raw) >= 2:
        return Word(raw[1:-1], computed)
    if node.type == "ansi_c_string" and len(raw) >= 3:
        return Word(raw[2:-1], computed)
    if node.type == "concatenation":
        return Word("".join(_word(c).text for c in node.children), computed)
    return Word(raw, computed)


def _has_descendant(node: Node, types: frozenset[str], depth: int = 0) -> bool:
    if depth > _MAX_NODE_DEPTH:
        return False
    return any(c.type in types or _has_descendant(c, types, depth + 1) for c in node.children)


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _unwrap(words: list[Word]) -> list[Word]:
    """Drop leading wrappers: `sudo -u x env A=1 start /B "" node x.js` -> `node x.js`."""
    for _ in range(8):  # wrappers of wrappers, bounded
        if len(words) < 2 or command_key(words[0].text) not in _PREFIX_WRAPPERS:
            return words  # a wrapper alone runs itself: `env` prints the environment
        key, rest = command_key(words[0].text), words[1:]
        if key == "command" and rest[0].text in ("-v", "-V"):
            return []  # `command -v node` looks a program up, it does not run it
        words = rest[_wrapper_arg_count(key, rest) :]
    return words


def _wrapper_arg_count(key: str, rest: list[Word]) -> int:
    """How many words after wrapper `key` belong to it (options, VAR=value, durations)."""
    i = 0
    while i < len(rest):
        t = rest[i].text
        if t.startswith("-") and len(t) > 1:
            takes_value = t in _WRAPPER_VALUE_OPTS or (key == "timeout" and t in ("-s", "-k"))
            i += 2 if takes_value else 1
            continue
        own = (
            (key == "start" and (t.startswith("/") or (i == 0 and t == "")))  # start "" /B
            or (key in ("env", "cross-env", "cross-env-shell") and "=" in t[1:])
            or (key == "timeout" and t[:1].isdigit())
        )
        if not own:
            break
        i += 1
    return i


def shell_text_arg(name: str, args: tuple[Word, ...]) -> str | None:
    """The command text a shell runs (`sh -c TEXT`, `cmd /c TEXT`, `powershell -Command TEXT`)."""
    if name not in SHELLS:
        return None
    for i, a in enumerate(args):
        opt = a.text.lower()
        if opt in _TEXT_OPTS:
            # cmd takes the rest of its command line as the text, unquoted or not.
            rest = args[i + 1 :] if name == "cmd" else args[i + 1 : i + 2]
            return " ".join(w.text for w in rest) or None
        if name in ("powershell", "pwsh") and not opt.startswith("-"):
            return " ".join(w.text for w in args[i:])  # a bare argument is the command text
        if name in ("powershell", "pwsh") and opt in (
            "-file",
            "-f",
            "-e",
            "-enc",
            "-encodedcommand",
            "-ec",
        ):
            return None
    return None


@dataclass
class _Walker:
    commands: list[Command] = field(default_factory=list)
    pipelines: list[tuple[Command, ...]] = field(default_factory=list)
    _collectors: list[list[Command]] = field(default_factory=list)
    # Commands of the text being walked by (start byte, end byte), to find pipeline stages.
    _by_node: dict[tuple[int, int], Command] = field(default_factory=dict)

    def text(self, text: str, line_offset: int, depth: int) -> None:
        if depth > _MAX_TEXT_DEPTH or not text.strip():
            return
        tree = _parser().parse(text.encode("utf-8", "surrogatepass"))
        outer, self._by_node = self._by_node, {}
        self._node(tree.root_node, line_offset, depth, 0)
        self._by_node = outer

    def _node(self, node: Node, line_offset: int, depth: int, level: int) -> None:
        if level > _MAX_NODE_DEPTH:
            return
        if node.type == "command":
            self._command(node, line_offset, depth, level)
            return
        for child in node.children:
            self._node(child, line_offset, depth, level + 1)
        if node.type == "pipeline" and not _is_inner_pipeline(node):
            stages = [self._by_node.get(_key(h)) for h in _stage_heads(node, 0)]
            self.pipelines.append(tuple(c for c in stages if c is not None))

    def _command(self, node: Node, line_offset: int, depth: int, level: int) -> None:
        inner: list[Command] = []
        self._collectors.append(inner)
        words: list[Word] = []
        for child in node.children:
            if child.type == "variable_assignment":
                continue
            if child.type in _ARG_TYPES:
                words.append(_word(child))
            self._node(child, line_offset, depth, level + 1)
        self._collectors.pop()
        words = _unwrap(words)
        if not words:
            return
        line = node.start_point.row + 1 + line_offset
        program, args = words[0].text, tuple(words[1:])
        name = command_key(program)
        # Commands of `sh -c TEXT` join the enclosing collectors but not this command's
        # `inner`: they run as a script of their own, not as a value passed to it.
        inner_text = shell_text_arg(name, args)
        if inner_text is not None:
            self.text(inner_text, line - 1, depth + 1)
        cmd = Command(name, program, args, line, _text(node), tuple(inner))
        self._by_node[_key(node)] = cmd
        self.commands.append(cmd)
        for collector in self._collectors:
            collector.append(cmd)


def _stage_heads(node: Node, level: int) -> list[Node]:
    """The first simple command of each stage of a pipeline, through redirections, subshells
    and the nesting the grammar gives `a | b 2>&1 | c` (a pipeline inside a pipeline)."""
    for _ in range(_MAX_NODE_DEPTH - level):
        if node.type == "command":
            return [node]
        named = [c for c in node.children if c.is_named]
        if node.type == "pipeline":
            return [h for c in named for h in _stage_heads(c, level + 1)]
        if not named:
            return []
        node = named[0]
    return []


def _is_inner_pipeline(node: Node) -> bool:
    """Whether `node` is a stage of an enclosing pipeline (then that one is reported whole)."""
    parent = node.parent
    while parent is not None and parent.type == "redirected_statement":
        parent = parent.parent
    return parent is not None and parent.type == "pipeline"


def _key(node: Node | None) -> tuple[int, int]:
    return (-1, -1) if node is None else (node.start_byte, node.end_byte)
