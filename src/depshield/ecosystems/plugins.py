"""The table of ecosystem plug-ins; adding an ecosystem is one line here."""

from __future__ import annotations

from functools import cache

from depshield.ecosystems.base import EcosystemPlugin


@cache
def plugins() -> dict[str, EcosystemPlugin]:
    from depshield.ecosystems.npm.plugin import NpmPlugin
    from depshield.ecosystems.pypi.plugin import PypiPlugin

    return {"npm": NpmPlugin(), "pypi": PypiPlugin()}


def plugin(name: str) -> EcosystemPlugin:
    return plugins()[name]
