"""License tables: common non-SPDX spellings, PyPI classifiers, and license families."""

from __future__ import annotations

import re

# Declared values people write instead of SPDX ids, after canon() (lower case, no "the",
# "license" or "version", single spaces). A bare "BSD" is read as the 3-clause form, as ScanCode
# and most packaging tools do; a bare "GPL" names no version, which the GPL reads as "any".
SPELLINGS = {
    "mit": "MIT", "the mit": "MIT", "mit/x11": "MIT", "x11": "X11", "expat": "MIT",
    "apache": "Apache-2.0", "apache 2": "Apache-2.0", "apache 2.0": "Apache-2.0",
    "apache2": "Apache-2.0", "apache v2": "Apache-2.0", "apache-2": "Apache-2.0",
    "apache version 2.0": "Apache-2.0", "apache, version 2.0": "Apache-2.0",
    "apache software": "Apache-2.0", "apache 2.0 license": "Apache-2.0", "asl 2.0": "Apache-2.0",
    "bsd": "BSD-3-Clause", "new bsd": "BSD-3-Clause", "modified bsd": "BSD-3-Clause",
    "3-clause bsd": "BSD-3-Clause", "bsd 3-clause": "BSD-3-Clause", "bsd-3": "BSD-3-Clause",
    "bsd 2-clause": "BSD-2-Clause", "2-clause bsd": "BSD-2-Clause", "bsd-2": "BSD-2-Clause",
    "simplified bsd": "BSD-2-Clause", "freebsd": "BSD-2-Clause",
    "isc": "ISC", "zlib": "Zlib", "unlicense": "Unlicense", "the unlicense": "Unlicense",
    "cc0": "CC0-1.0", "public domain (cc0)": "CC0-1.0", "wtfpl": "WTFPL",
    "psf": "PSF-2.0", "python software foundation": "PSF-2.0",
    "gpl": "GPL-1.0-or-later", "gnu gpl": "GPL-1.0-or-later",
    "gplv2": "GPL-2.0-only", "gpl v2": "GPL-2.0-only", "gpl 2": "GPL-2.0-only",
    "gpl-2": "GPL-2.0-only", "gplv2+": "GPL-2.0-or-later", "gpl v2+": "GPL-2.0-or-later",
    "gplv3": "GPL-3.0-only", "gpl v3": "GPL-3.0-only", "gpl 3": "GPL-3.0-only",
    "gpl-3": "GPL-3.0-only", "gplv3+": "GPL-3.0-or-later", "gpl v3+": "GPL-3.0-or-later",
    "gnu gplv3": "GPL-3.0-only", "gnu gpl v3": "GPL-3.0-only",
    "lgpl": "LGPL-2.0-or-later", "lgplv2": "LGPL-2.0-only", "lgplv2.1": "LGPL-2.1-only",
    "lgplv2+": "LGPL-2.1-or-later", "lgplv3": "LGPL-3.0-only", "lgplv3+": "LGPL-3.0-or-later",
    "agplv3": "AGPL-3.0-only", "agpl v3": "AGPL-3.0-only", "agplv3+": "AGPL-3.0-or-later",
    "mpl 2.0": "MPL-2.0", "mpl2": "MPL-2.0", "mpl-2": "MPL-2.0", "mpl v2": "MPL-2.0",
    "mozilla public 2.0": "MPL-2.0", "eclipse public 2.0": "EPL-2.0", "psfl": "PSF-2.0",
    "apache v2.0": "Apache-2.0", "gnu general public v2": "GPL-2.0-only",
    "gnu general public v3": "GPL-3.0-only", "gnu lesser general public v3": "LGPL-3.0-only",
    "gnu affero general public v3": "AGPL-3.0-only",
}  # fmt: skip

# Declared values that say "no license for you" (npm documents UNLICENSED for this).
UNLICENSED = re.compile(
    r"^(unlicensed|proprietary|commercial|private|closed[- ]?source|none)\b|all rights reserved",
    re.IGNORECASE,
)

# Trove classifiers (after "License :: ") that name exactly one license.
CLASSIFIERS = {
    "OSI Approved :: MIT License": "MIT",
    "OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "OSI Approved :: ISC License (ISCL)": "ISC",
    "OSI Approved :: Apache Software License": "Apache-2.0",
    "OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "OSI Approved :: GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "OSI Approved :: GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "OSI Approved :: zlib/libpng License": "Zlib",
    "OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "OSI Approved :: Universal Permissive License (UPL)": "UPL-1.0",
    "OSI Approved :: Artistic License": "Artistic-2.0",
    "OSI Approved :: Historical Permission Notice and Disclaimer (HPND)": "HPND",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
}
# Classifiers that name a family, not a license: BSD (2 or 3 clauses?), GPL (which version?).
AMBIGUOUS_CLASSIFIERS = frozenset(
    {
        "OSI Approved",
        "OSI Approved :: BSD License",
        "OSI Approved :: GNU General Public License (GPL)",
        "OSI Approved :: GNU Library or Lesser General Public License (LGPL)",
        "OSI Approved :: Mozilla Public License 1.0 (MPL)",
        "OSI Approved :: Academic Free License (AFL)",
        "GNU General Public License (GPL)",
        "Public Domain",
        "Other/Proprietary License",
        "Freely Distributable",
        "Freeware",
        "DFSG approved",
    }
)

# Licenses whose terms follow the code into works built from it (strong and weak copyleft).
_COPYLEFT = re.compile(
    r"^(A?GPL|LGPL|MPL|EPL|EUPL|CDDL|OSL|CPL|CECILL-2|CECILL-1|APSL|QPL|RPL|Sleepycat|MS-RL|"
    r"CC-BY-SA|ODbL|CPAL|SPL|NPL|IPL)"
)
# Source-available and non-commercial terms: not open source, usually not usable as a dependency.
_NONPERMISSIVE = re.compile(
    r"^(SSPL|BUSL|Elastic|CC-BY-NC|CC-BY-ND|PolyForm-Noncommercial|PolyForm-Small-Business|"
    r"Prosperity|Parity|Hippocratic|JSON$|LicenseRef-Commons-Clause)"
)


def is_copyleft(spdx_id: str) -> bool:
    return bool(_COPYLEFT.match(spdx_id))


def is_nonpermissive(spdx_id: str) -> bool:
    return bool(_NONPERMISSIVE.match(spdx_id))


def canon(text: str) -> str:
    """The SPELLINGS key form: lower case, single spaces, without the filler words "the",
    "license" and "version" (`The Apache License, Version 2.0` -> `apache 2.0`)."""
    text = text.lower().replace("_", " ").replace(",", " ")
    text = _FILLER.sub(" ", text)
    return " ".join(text.split()).strip(" .;-")


_FILLER = re.compile(r"\b(the|licen[cs]ed?|version)\b")
