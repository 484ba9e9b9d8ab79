"""License files in an artifact and the license their text states, by key phrases."""

from __future__ import annotations

import re
from collections.abc import Sequence

# LICENSE, LICENCE, COPYING, NOTICE with any suffix (.md, .txt, -MIT, .APACHE): at the package
# root, one folder down (sdists keep a top folder), or in a wheel's .dist-info/licenses/.
_FILE_NAME = re.compile(r"^(licen[cs]e|copying|notice|unlicense)([-._][\w.-]*)?$", re.IGNORECASE)
_CODE = (".js", ".cjs", ".mjs", ".ts", ".py", ".json", ".html", ".css", ".sh", ".map")  # license.js
MAX_TEXT = 256 * 1024  # a license file is a few KiB; more is not one to read whole

# (SPDX id, anchor phrase, other phrases that must appear). When a file holds several texts
# (a license followed by bundled notices) the one whose anchor comes first wins; on a tie, the
# earlier rule (MIT before MIT-0, ISC before 0BSD, BSD-4 before BSD-3 before BSD-2).
_RULES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("MPL-2.0", "mozilla public license", ("2.0",)),
    ("EPL-2.0", "eclipse public license", ("2.0",)),
    ("SSPL-1.0", "server side public license", ()),
    ("BUSL-1.1", "business source license", ()),
    ("Elastic-2.0", "elastic license 2.0", ()),
    ("Apache-2.0", "apache license", ("version 2.0",)),
    ("PSF-2.0", "python software foundation license version 2", ()),
    ("Unlicense", "free and unencumbered software released into the public domain", ()),
    ("CC0-1.0", "cc0 1.0 universal", ()),
    ("MIT", "permission is hereby granted, free of charge, to any person obtaining a copy",
     ("the above copyright notice and this permission notice shall be included",)),
    ("MIT-0", "permission is hereby granted, free of charge, to any person obtaining a copy", ()),
    ("ISC", "permission to use, copy, modify, and", ("for any purpose with or without fee",
     "provided that the above copyright notice and this permission notice appear")),
    ("0BSD", "permission to use, copy, modify, and", ("for any purpose with or without fee",)),
    ("BSD-4-Clause", "redistribution and use in source and binary forms",
     ("all advertising materials mentioning features",)),
    ("BSD-3-Clause", "redistribution and use in source and binary forms",
     ("endorse or promote products derived from this software",)),
    ("BSD-2-Clause", "redistribution and use in source and binary forms", ()),
    ("Zlib", "altered source versions must be plainly marked", ()),
    ("WTFPL", "do what the fuck you want to public license", ()),
)  # fmt: skip
# The GNU family quotes itself (the GPL text names the LGPL, the MPL names all three), so the
# title that comes first decides, and the version is read right after it.
_GNU = (
    ("gnu affero general public license", "AGPL"),
    ("gnu lesser general public license", "LGPL"),
    ("gnu library general public license", "LGPL"),
    ("gnu general public license", "GPL"),
)
_GNU_VERSION = re.compile(r"version (\d(?:\.\d)?)")
_GNU_IDS = {
    ("AGPL", "3"): "AGPL-3.0", ("LGPL", "2"): "LGPL-2.0", ("LGPL", "2.1"): "LGPL-2.1",
    ("LGPL", "3"): "LGPL-3.0", ("GPL", "1"): "GPL-1.0", ("GPL", "2"): "GPL-2.0",
    ("GPL", "3"): "GPL-3.0",
}  # fmt: skip


def license_files(paths: Sequence[str]) -> list[str]:
    """The license files among the artifact's member paths, shallowest first."""
    found = [p for p in paths if _is_license_file(p)]
    return sorted(found, key=lambda p: (p.count("/"), p))


def _is_license_file(path: str) -> bool:
    parts = path.split("/")
    if not _FILE_NAME.match(parts[-1]) or parts[-1].lower().endswith(_CODE):
        return False
    if len(parts) <= 2:
        return True
    return any(p.endswith(".dist-info") for p in parts[:-1])


def is_notice(path: str) -> bool:
    """NOTICE files carry attributions (Apache-2.0 section 4), not the license terms."""
    return path.rsplit("/", 1)[-1].lower().startswith("notice")


def identify(data: bytes) -> str | None:
    """The SPDX id of the license the text states first, or None when no rule matches."""
    text = " ".join(data[:MAX_TEXT].decode("utf-8", "replace").lower().split())
    text = text.replace("licence", "license")
    found: list[tuple[int, int, str]] = []
    for order, (spdx_id, anchor, needed) in enumerate(_RULES):
        at = text.find(anchor)
        if at >= 0 and all(p in text for p in needed):
            found.append((at, order, spdx_id))
    gnu = _gnu(text)
    if gnu is not None:
        found.append((gnu[0], -1, gnu[1]))
    return min(found)[2] if found else None


def _gnu(text: str) -> tuple[int, str] | None:
    """(position, SPDX id) of the first GNU license title, with the version written after it."""
    hits = [(text.find(title), family) for title, family in _GNU if title in text]
    if not hits:
        return None
    at, family = min(hits)
    after = text[at : at + 300]
    version = _GNU_VERSION.search(after)
    if version is None:
        return None  # a mention ("not GPL-compatible"), not a grant
    base = _GNU_IDS.get((family, version.group(1).removesuffix(".0")))
    if base is None:
        return None
    later = "any later version" in after
    return at, base + ("-or-later" if later else "-only")


def first_line(data: bytes) -> str:
    """The first non-blank line, as evidence for a text no rule recognises."""
    for line in data[:4096].decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip()[:120]
    return ""
