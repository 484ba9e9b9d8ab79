"""Writes into the user's own folders: a path built from the home folder and Desktop,
Documents, OneDrive or Pictures (peacenotwar dropped its message on the Desktop of every
machine that loaded it). The path is followed through constants and, for a parameter, to
the arguments the file's own calls pass (`deliver(`${home}/Desktop/x.txt`)`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from depshield.analyzers.javascript.callers import caller_arguments

if TYPE_CHECKING:
    from tree_sitter import Node

    from depshield.analyzers.javascript.context import JsContext

MAX_NODES = 200
_HOME = re.compile(r"homedir|\bUSERPROFILE\b|\bHOME(?:PATH)?\b|['\"`]~[/\\]")
_FOLDER = re.compile(r"(?:^|[/\\'\"`])(?:Desktop|Documents|OneDrive|Pictures)(?:$|[/\\'\"`])")


def writes_user_folder(ctx: JsContext, path: Node) -> bool:
    """`path` joins the home folder with one of the user's document folders."""
    texts = _texts(ctx, path)
    joined = "\n".join(texts)
    return bool(_HOME.search(joined)) and any(_FOLDER.search(t) for t in texts)


def _texts(ctx: JsContext, node: Node) -> list[str]:
    out: list[str] = []
    stack: list[tuple[Node, int]] = [(node, 3)]
    budget = MAX_NODES
    while stack and budget > 0:
        budget -= 1
        cur, hops = stack.pop()
        if cur.type in ("string_fragment", "string"):
            out.append(ctx.text(cur))
            continue
        if cur.type == "identifier":
            out.append(ctx.text(cur))
            binding = ctx.bindings.lookup(ctx.text(cur), cur.start_byte)
            if binding is None or hops <= 0:
                continue
            if binding.module is not None:
                out.append(".".join((binding.module, *binding.path)))
            elif binding.value is not None:
                stack.append((binding.value, hops - 1))
            else:
                stack.extend((a, hops - 1) for a in caller_arguments(ctx, binding))
            continue
        if cur.type == "member_expression":
            out.append(ctx.text(cur))
        stack.extend((c, hops) for c in cur.named_children)
    return out
