"""SPDX expressions: parse and normalise declared licenses, expand them into the choices offered."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depshield.intel.license_data import SPELLINGS, canon

if TYPE_CHECKING:
    from license_expression import Licensing

MAX_DECLARED = 512  # a declared license is an id or an expression; longer is a pasted text
MAX_CHOICES = 64  # (A OR B) AND (C OR D) ... multiplies; past this, the rest is not reported
_JOINERS = re.compile(r"(\s+(?:or|and)\s+|\s*/\s*|\s*;\s*)", re.IGNORECASE)
_ONE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")


@functools.cache
def licensing() -> Licensing:
    """The SPDX licensing table, loaded on first use (a few hundred ids and exceptions)."""
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


@functools.cache
def single_ids() -> dict[str, str]:
    """Lower-cased license id or alias -> the SPDX id the table renders it as (`mit` -> `MIT`,
    `GPL-2.0+` -> `GPL-2.0-or-later`), exceptions left out as parse() rejects them alone.

    Nearly every declared license is one id; answering those from this map, kept in
    DEPSHIELD_HOME per installed license-expression, spares a run the table's 40 ms load."""
    import importlib.util
    import marshal

    from depshield import memo

    spec = importlib.util.find_spec("license_expression")
    origin = spec.origin if spec is not None else None
    stat = Path(origin).stat() if origin else None
    stamp = f"{stat.st_size}-{stat.st_mtime_ns}" if stat is not None else "none"
    memo_name = f"spdx-ids-{stamp}.marshal"
    try:
        table = marshal.loads(memo.read(memo_name) or b"")
        if isinstance(table, dict):
            return table
    except (ValueError, EOFError, TypeError):
        pass
    table = {}
    for key, symbol in licensing().known_symbols.items():
        if not getattr(symbol, "is_exception", False):
            for spelling in (*symbol.aliases, key):  # the key wins over an alias spelled alike
                table[spelling.lower()] = key
    memo.write(memo_name, marshal.dumps(table))
    return table


def parse(text: str) -> Any | None:
    """The parsed expression when `text` is valid SPDX with known ids, else None."""
    try:
        return licensing().parse(text, validate=True, strict=True)
    except Exception:  # ExpressionError, ParseError and odd types on odd input: not SPDX
        return None


def normalise(declared: str | None) -> str | None:
    """The SPDX expression a declared license means (`Apache 2.0` -> `Apache-2.0`), else None."""
    if not isinstance(declared, str):
        return None
    text = declared.strip()
    if not text or len(text) > MAX_DECLARED:
        return None
    if _ONE_ID.fullmatch(text) and (known := single_ids().get(text.lower())) is not None:
        return known
    expression = parse(text)
    if expression is not None:
        return str(expression.render())
    short = canon(text.strip("()"))
    mapped = SPELLINGS.get(short)
    if mapped is not None:
        return mapped
    expression = parse(short) if short and short != text.lower() else None  # "MIT-0 License"
    if expression is not None:
        return str(expression.render())
    return _compound(text.strip("()"))


def _compound(text: str) -> str | None:
    """`MIT/Apache 2.0`, `MIT or GPLv3`: each part mapped, joined with SPDX operators."""
    pieces = _JOINERS.split(text)
    if len(pieces) < 3:
        return None
    out: list[str] = []
    for i, piece in enumerate(pieces):
        if i % 2:
            out.append("AND" if piece.strip().lower() == "and" else "OR")
            continue
        part = piece.strip().strip("()")
        single = parse(part)
        mapped = str(single.render()) if single is not None else SPELLINGS.get(canon(part))
        if mapped is None:
            return None
        out.append(f"({mapped})" if " " in mapped else mapped)
    expression = parse(" ".join(out))
    return str(expression.render()) if expression is not None else None


def choices(spdx: str) -> list[frozenset[str]]:
    """The license sets a user may pick from: `A OR (B AND C)` -> [{A}, {B, C}]."""
    if _ONE_ID.fullmatch(spdx) and single_ids().get(spdx.lower()) == spdx:
        return [frozenset({spdx})]
    expression = parse(spdx)
    return _choices(expression)[:MAX_CHOICES] if expression is not None else []


def _choices(node: Any) -> list[frozenset[str]]:
    from license_expression import LicenseSymbol, LicenseWithExceptionSymbol

    if isinstance(node, LicenseWithExceptionSymbol):
        return [frozenset({f"{node.license_symbol.key} WITH {node.exception_symbol.key}"})]
    if isinstance(node, LicenseSymbol):
        return [frozenset({node.key})]
    parts = [_choices(arg) for arg in node.args]
    if isinstance(node, licensing().OR):
        return [choice for part in parts for choice in part][:MAX_CHOICES]
    combined = [frozenset[str]()]
    for part in parts:  # AND: one pick from every operand
        combined = [c | p for c in combined for p in part][:MAX_CHOICES]
    return combined


def base_id(item: str) -> str:
    """The license of `X WITH exception`: an exception only adds permissions."""
    return item.split(" WITH ", 1)[0]


def is_allowed(item: str, allowed: frozenset[str]) -> bool:
    """One license of a choice against the policy: exact, its base license, or an -only
    version the -or-later form lets the user pick."""
    if item in allowed or base_id(item) in allowed:
        return True
    base = base_id(item)
    return base.endswith("-or-later") and base.replace("-or-later", "-only") in allowed


def same_license(old: str, new: str) -> bool:
    """Two normalised expressions that mean the same (`MIT OR ISC` == `ISC OR MIT`)."""
    try:
        return bool(licensing().is_equivalent(old, new))
    except Exception:  # not comparable as SPDX: fall back to the text
        return old.strip().lower() == new.strip().lower()
