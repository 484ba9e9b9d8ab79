"""SPDX expressions: parse and normalise declared licenses, expand them into the choices offered."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from depshield.intel.license_data import SPELLINGS, canon

if TYPE_CHECKING:
    from license_expression import Licensing

MAX_DECLARED = 512  # a declared license is an id or an expression; longer is a pasted text
MAX_CHOICES = 64  # (A OR B) AND (C OR D) ... multiplies; past this, the rest is not reported
_JOINERS = re.compile(r"(\s+(?:or|and)\s+|\s*/\s*|\s*;\s*)", re.IGNORECASE)


@functools.cache
def licensing() -> Licensing:
    """The SPDX licensing table, loaded on first use (a few hundred ids and exceptions)."""
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


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
