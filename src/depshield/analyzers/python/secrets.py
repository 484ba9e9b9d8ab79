"""What stealers and RATs need: a chat-bot channel, wallet keys sent out, a start at logon."""

from __future__ import annotations

import ast
import re

from depshield.analyzers.base import SIGNAL_SINK, SIGNAL_SPAWN, SIGNAL_WRITE
from depshield.analyzers.python.context import Ctx
from depshield.analyzers.python.family import RULES
from depshield.analyzers.python.scope import Site
from depshield.model import Override

# A Telegram bot token (`<bot id>:AA<33 characters>`): with it anyone can post to the bot's
# chats, so a library that ships one reports to whoever made the bot.
_BOT_TOKEN = re.compile(r"(?<![\w-])\d{8,10}:AA[\w-]{33}(?![\w-])")
_BOT_CLIENTS = frozenset({"telebot", "telegram", "aiogram", "pyrogram", "telethon"})
# What holds a wallet's keys: a raw private key, a seed phrase, an account object's key.
_WALLET_SECRET = re.compile(
    r"private_?key|privkey|priv_key|mnemonic|seed_?phrase|secret_?phrase|recovery_?phrase"
    r"|(?:account|acct|wallet|keypair|signer)\.(?:key|secret_?key)\b",
    re.IGNORECASE,
)
_FIXED_HOST = re.compile(r"^(?:https?|wss?)://[\w.-]+\.[a-z]{2,}(?:[:/?]|$)", re.IGNORECASE)
_MAX_HOPS = 3


@RULES.rule("python.bot-tokens", reads="module", emits={"dataExfiltration"})
def check_bot_tokens(ctx: Ctx) -> None:
    """A literal bot token in a module that talks to the network or to a bot client."""
    talks = any(
        f.type == SIGNAL_SINK and f.props.get("kind") == "network" for f in ctx.out.findings
    ) or any(q.split(".")[0] in _BOT_CLIENTS for q in ctx.index.module.imports.values())
    if not talks:
        return
    for site in ctx.index.constants:
        value = site.node.value if isinstance(site.node, ast.Constant) else None
        if isinstance(value, str) and _BOT_TOKEN.search(value):
            props = {"source": ["embedded-bot-token"], "sink": ["webhook"]}
            grade = Override("high", "warn")
            ctx.emit("dataExfiltration", site, props, key=("bot-token",), override=grade)
            return


def check_wallet_secret(ctx: Ctx, site: Site, url_node: ast.AST | None) -> None:
    """A request to a fixed host that carries a private key or seed phrase: wallet drainers
    post them to their own endpoint or chat (signing libraries never send them anywhere)."""
    call = site.node
    assert isinstance(call, ast.Call)
    url = ctx.paths.text(url_node, site.scope) if url_node is not None else None
    if not url or not _FIXED_HOST.match(url):
        return
    parts: list[ast.AST] = [*call.args, *(k.value for k in call.keywords)]
    secret = _carried_secret(ctx, parts, site)
    if secret is None:
        return
    props = {"source": ["wallet-secret"], "sink": ["network"], "detail": secret, "url": url[:200]}
    ctx.emit("dataExfiltration", site, props, key=("wallet", site.node))


def _carried_secret(ctx: Ctx, nodes: list[ast.AST], site: Site) -> str | None:
    """The first name of a wallet secret in `nodes`, following variables a few hops."""
    stack = [(n, 0) for n in nodes]
    seen = 0
    while stack and seen < 400:
        node, hops = stack.pop()
        seen += 1
        if isinstance(node, ast.Name | ast.Attribute):
            text = _dotted(node)
            if text and _WALLET_SECRET.search(text):
                return text
        if isinstance(node, ast.Name) and hops < _MAX_HOPS:
            binding = ctx.resolver.binding(node.id, site.scope)
            for value in binding[0] if binding else []:
                if value is not None:
                    stack.append((value, hops + 1))
        stack.extend((child, hops) for child in ast.iter_child_nodes(node))
    return None


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


# Places a program is started from at every logon: the Windows Run keys and Startup folder,
# macOS launch agents, XDG autostart entries.
_AUTOSTART = re.compile(
    r"CurrentVersion[\\/]+Run(?:Once)?(?![\w])|Start Menu[\\/]+Programs[\\/]+Startup"
    r"|Library/LaunchAgents|\.config/autostart",
    re.IGNORECASE,
)
_REGISTRY = ("winreg.", "_winreg.")


@RULES.rule("python.autostart", reads="module", emits={"troll"})
def check_autostart(ctx: Ctx) -> None:
    """Code run at install or import that writes an autostart entry: a library has no reason
    to start itself at every logon, RATs and stealers do (hidden behaviour, `troll`)."""
    acting = {
        str(f.props.get("scope"))
        for f in ctx.out.findings
        if f.type in (SIGNAL_WRITE, SIGNAL_SPAWN) and f.top_level
    }
    for call in ctx.index.calls:
        name = ctx.qualname(call.node.func, call.scope) if isinstance(call.node, ast.Call) else None
        if name and name.startswith(_REGISTRY) and ctx.top(call):
            acting.add(call.scope.name)
    for site in ctx.index.constants:
        value = site.node.value if isinstance(site.node, ast.Constant) else None
        found = _AUTOSTART.search(value) if isinstance(value, str) else None
        if found and ctx.top(site) and site.scope.name in acting:
            # Persistence set up by install or import code is what RATs and stealers do
            # whoever's machine it is; no library starts itself at every logon.
            props = {"behaviour": "autostart", "detail": found.group(0)}
            grade = Override("critical", "error")
            ctx.emit("troll", site, props, key=("autostart",), override=grade)
            return
