"""Browser-side secrets: payment-form skimmers and session tokens read from web storage."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from depshield.analyzers.base import SIGNAL_SOURCE
from depshield.analyzers.javascript.family import RULES
from depshield.model import Finding

if TYPE_CHECKING:
    from depshield.analyzers.javascript.context import JsContext

# Magecart-style skimmers (the ua-parser-js and event-stream era of web supply-chain attacks)
# hook the page's forms, pick the password and card fields, and send them with the cookies.
# Each piece alone is ordinary front-end code; the three together are what a skimmer is.
_COOKIE = re.compile(rb"\bdocument\s*\.\s*cookie\b")
_FORMS = re.compile(rb"\bdocument\s*\.\s*forms\b|['\"]submit['\"]|\.onsubmit\b")
_CARD_FIELD = re.compile(
    rb"['\"](?:cvc|cvv2?|card_?number|cc-?number|cc-?csc|cardnumber)['\"]", re.IGNORECASE
)
_PASSWORD_FIELD = re.compile(rb"['\"]password['\"]")
# Discord's web client keeps the session token in localStorage; grabbers read it through an
# iframe's contentWindow (the page's own copy is hidden) or by name.
_STORAGE_TOKEN = re.compile(
    rb"\blocalStorage\s*(?:\.\s*token\b|\[\s*['\"]token['\"]\s*\]"
    rb"|\.\s*getItem\(\s*['\"]token['\"]\s*\))"
)


@RULES.rule("javascript.browser", reads="file", emits={SIGNAL_SOURCE})
def browser_sources(ctx: JsContext) -> None:
    """Emit `signal:source` for a form skimmer (credential-store) and web-storage tokens."""
    source = ctx.source
    if b"document" in source and _COOKIE.search(source) and _FORMS.search(source):
        card = _CARD_FIELD.search(source)
        if card is not None and _PASSWORD_FIELD.search(source):
            _emit(ctx, card.start(), "credential-store", "payment-form")
    if b"localStorage" in source:
        token = _STORAGE_TOKEN.search(source)
        if token is not None:
            _emit(ctx, token.start(), "browser-token", "localStorage.token")


def _emit(ctx: JsContext, offset: int, kind: str, detail: str) -> None:
    line = ctx.source.count(b"\n", 0, offset) + 1
    start = ctx.source.rfind(b"\n", 0, offset) + 1
    end = ctx.source.find(b"\n", offset)
    text = ctx.source[start : end if end >= 0 else len(ctx.source)]
    evidence = text.decode("utf-8", "replace").strip()[:160]
    top = ctx.scopes.top_level(offset)
    ctx.out.add(
        Finding(SIGNAL_SOURCE, ctx.path, line, evidence, {"kind": kind, "detail": detail}, top)
    )
