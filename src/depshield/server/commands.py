"""Comment commands: `@depshield ignore PKG@VERSION`, `@depshield ignore-all`,
`@depshield rescan`, one a line; everything else in the comment is left alone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Verb = Literal["ignore", "ignore-all", "rescan"]
WRITE_ROLES = ("admin", "maintain", "write")
# A package spec: npm names (scoped too) or PyPI names, then @ or == and a version.
_SPEC = r"(?P<spec>(?:[a-z]+:)?@?[\w.~/-]+(?:@|==)[\w.+!~-]+)"


@dataclass(frozen=True, slots=True)
class Command:
    verb: Verb
    package: str | None = None


def parse(body: str, name: str = "depshield") -> list[Command]:
    """Commands at the start of a line (quoted lines, `> ...`, are not commands)."""
    pattern = re.compile(
        rf"^\s*@{re.escape(name)}\s+(?:(?P<all>ignore-all)|(?P<rescan>rescan)|ignore\s+{_SPEC})"
        r"\s*$",
        re.IGNORECASE,
    )
    found: list[Command] = []
    for line in body.splitlines()[:50]:
        match = pattern.match(line)
        if match is None:
            continue
        if match.group("all"):
            found.append(Command("ignore-all"))
        elif match.group("rescan"):
            found.append(Command("rescan"))
        else:
            found.append(Command("ignore", match.group("spec")))
    return found
