"""License findings: each type fires on its case and stays quiet on the look-alike."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depshield.intel.license_text import identify, license_files
from depshield.intel.licenses import license_change, license_findings, normalise
from depshield.model import Finding

MIT_TEXT = b"""MIT License

Copyright (c) 2024 Example Author

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software.

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
"""
GPL3_TEXT = b"""                    GNU GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

 Copyright (C) 2007 Free Software Foundation, Inc.
 Everyone is permitted to copy and distribute verbatim copies
 of this license document, but changing it is not allowed.
 ...
  The GNU General Public License does not permit incorporating your program
into proprietary programs.  If this is what you want to do, use the GNU Lesser
General Public License instead of this License.
"""
GPL2_NOTICE = b"""This program is free software; you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation; either version 2 of the License, or
(at your option) any later version.
"""
LGPL21_TEXT = b"""                  GNU LESSER GENERAL PUBLIC LICENSE
                       Version 2.1, February 1999
"""
AGPL_TEXT = b"GNU AFFERO GENERAL PUBLIC LICENSE\n Version 3, 19 November 2007\n"
MPL_TEXT = b"""Mozilla Public License Version 2.0
==================================
1.12. "Secondary License"
    means either the GNU General Public License, Version 2.0, the GNU Lesser
    General Public License, Version 2.1, the GNU Affero General Public
    License, Version 3.0, or any later versions of those licenses.
"""
APACHE_TEXT = b"""
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.invalid/licenses/
"""
BSD3_TEXT = b"""Copyright (c) 2020, Example
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:
3. Neither the name of the copyright holder nor the names of its
   contributors may be used to endorse or promote products derived from
   this software without specific prior written permission.
"""
BSD2_TEXT = BSD3_TEXT.split(b"3. Neither")[0]
ISC_TEXT = b"""Copyright (c) 2020 Example

Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted, provided that the above
copyright notice and this permission notice appear in all copies.
"""
UNLICENSE_TEXT = b"This is free and unencumbered software released into the public domain.\n"
CC0_TEXT = b"Creative Commons Legal Code\n\nCC0 1.0 Universal\n"
PACKAGE_JSON = b"""{
  "name": "example",
  "version": "1.0.0",
  "license": "GPL-3.0-only",
  "main": "index.js"
}
"""
METADATA = b"""Metadata-Version: 2.1
Name: example
Version: 1.0
Classifier: Programming Language :: Python
Classifier: License :: OSI Approved :: BSD License
"""


def types(findings: list[Finding]) -> list[str]:
    return [f.type for f in findings]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (MIT_TEXT, "MIT"),
        (GPL3_TEXT, "GPL-3.0-only"),  # names the LGPL at the end: still the GPL
        (GPL2_NOTICE, "GPL-2.0-or-later"),
        (LGPL21_TEXT, "LGPL-2.1-only"),
        (AGPL_TEXT, "AGPL-3.0-only"),
        (MPL_TEXT, "MPL-2.0"),  # names the GPL family as secondary licenses
        (APACHE_TEXT, "Apache-2.0"),
        (BSD3_TEXT, "BSD-3-Clause"),
        (BSD2_TEXT, "BSD-2-Clause"),
        (ISC_TEXT, "ISC"),
        (UNLICENSE_TEXT, "Unlicense"),
        (CC0_TEXT, "CC0-1.0"),
        (b"Not a license at all, just a README.\n", None),
        (b"Python is not GPL-compatible like the GNU General Public License.", None),
    ],
)
def test_identify_license_text(data: bytes, expected: str | None) -> None:
    assert identify(data) == expected


def test_license_files_are_found_where_packages_keep_them() -> None:
    paths = [
        "LICENSE",
        "pkg-1.0/LICENCE.txt",
        "COPYING",
        "NOTICE",
        "x-1.0.dist-info/licenses/LICENSE.md",
        "lib/license.js",  # code named license
        "license.py",
        "src/deep/vendor/LICENSE",  # a vendored dependency's license, not this package's
    ]
    assert license_files(paths) == [
        "COPYING",
        "LICENSE",
        "NOTICE",
        "pkg-1.0/LICENCE.txt",
        "x-1.0.dist-info/licenses/LICENSE.md",
    ]


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("MIT", "MIT"),
        ("Apache 2.0", "Apache-2.0"),
        ("MIT License", "MIT"),
        ("BSD", "BSD-3-Clause"),
        ("GPLv3", "GPL-3.0-only"),
        ("Apache Software License", "Apache-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("The MIT License", "MIT"),
        ("MIT-0 License", "MIT-0"),
        ("PSFL", "PSF-2.0"),
        ("MIT/Apache 2.0", "MIT OR Apache-2.0"),
        ("(MIT OR Apache-2.0)", "MIT OR Apache-2.0"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("UNLICENSED", None),
        ("garbage!!", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise(declared: str | None, expected: str | None) -> None:
    assert normalise(declared) == expected


def test_permissive_licenses_raise_nothing() -> None:
    assert license_findings("npm", "MIT", allowed=["MIT"]) == []
    assert license_findings("npm", "Apache 2.0", allowed=["Apache-2.0"]) == []
    assert license_findings("npm", "Unlicense") == []  # the Unlicense is not UNLICENSED


def test_copyleft_fires_with_manifest_line() -> None:
    found = license_findings("npm", "GPL-3.0-only", manifest_text=("package.json", PACKAGE_JSON))
    assert [(f.type, f.file, f.line) for f in found] == [("copyleftLicense", "package.json", 4)]
    assert found[0].props["spdx"] == "GPL-3.0-only"


def test_a_permissive_choice_is_not_copyleft() -> None:
    assert license_findings("npm", "MIT OR GPL-3.0", allowed=["MIT"]) == []


def test_nonpermissive() -> None:
    assert types(license_findings("npm", "SSPL-1.0")) == ["nonpermissiveLicense"]
    assert types(license_findings("npm", "Apache-2.0 WITH Commons-Clause")) == [
        "nonpermissiveLicense"
    ]
    assert types(license_findings("npm", "BUSL-1.1")) == ["nonpermissiveLicense"]
    assert license_findings("npm", "Apache-2.0") == []


def test_explicitly_unlicensed() -> None:
    found = license_findings("npm", "UNLICENSED")
    assert [(f.type, f.file, f.line) for f in found] == [
        ("explicitlyUnlicensedItem", "package.json", 0)
    ]
    assert types(license_findings("pypi", "Proprietary")) == ["explicitlyUnlicensedItem"]
    classifier = "License :: Other/Proprietary License"
    assert types(license_findings("pypi", None, [classifier])) == ["explicitlyUnlicensedItem"]


def test_unidentified_declared_license() -> None:
    found = license_findings("npm", "garbage!!")
    assert types(found) == ["unidentifiedLicense"]
    assert found[0].props == {"license": "garbage!!"}


def test_see_license_in_file_reads_the_file() -> None:
    texts = {"LICENSE.txt": MIT_TEXT}
    declared = "SEE LICENSE IN LICENSE.txt"
    assert license_findings("npm", declared, paths=["LICENSE.txt"], license_texts=texts) == []
    assert types(license_findings("npm", declared)) == ["unidentifiedLicense"]


def test_pasted_license_text_in_pypi_license_field() -> None:
    assert license_findings("pypi", BSD3_TEXT.decode()) == []
    # A text no rule names, with "All rights reserved" in it, is not a proprietary marker...
    custom = "License agreement for example 1.0\n\nCopyright 2020. All rights reserved.\n"
    assert types(license_findings("pypi", custom)) == ["unidentifiedLicense"]
    # ...and when a classifier names the license, the text needs no finding at all.
    assert license_findings("pypi", custom, ["License :: OSI Approved :: MIT License"]) == []


def test_classifiers() -> None:
    mit = "License :: OSI Approved :: MIT License"
    bsd = "License :: OSI Approved :: BSD License"
    assert license_findings("pypi", None, [mit]) == []
    found = license_findings("pypi", None, [bsd], manifest_text=("METADATA", METADATA))
    assert [(f.type, f.file, f.line) for f in found] == [("ambiguousClassifier", "METADATA", 5)]
    # A declared expression settles what the classifier leaves open.
    assert license_findings("pypi", "BSD-3-Clause", [bsd]) == []
    # Readers hand over the first classifier when nothing else is declared.
    assert types(license_findings("pypi", bsd, [bsd])) == ["ambiguousClassifier"]


def test_no_license_found() -> None:
    found = license_findings("npm", None)
    assert [(f.type, f.file, f.line) for f in found] == [("noLicenseFound", "package.json", 0)]
    assert types(license_findings("pypi", "UNKNOWN")) == ["noLicenseFound"]  # setuptools' default
    shipped = license_findings("npm", None, paths=["LICENSE"], license_texts={"LICENSE": MIT_TEXT})
    assert shipped == []


def test_license_file_alone_decides() -> None:
    found = license_findings("pypi", None, paths=["COPYING"], license_texts={"COPYING": GPL3_TEXT})
    assert [(f.type, f.file) for f in found] == [("copyleftLicense", "COPYING")]
    odd = {"LICENSE": b"Do whatever, but ask me first.\n"}
    found = license_findings("npm", None, paths=["LICENSE"], license_texts=odd)
    assert [(f.type, f.file, f.line) for f in found] == [("unidentifiedLicense", "LICENSE", 1)]
    assert license_findings("npm", "MIT", paths=["LICENSE"], license_texts=odd) == []


@pytest.mark.parametrize(
    ("declared", "allowed", "fires"),
    [
        ("GPL-3.0-only", ["MIT", "Apache-2.0"], True),
        ("MIT OR GPL-3.0", ["MIT"], False),
        ("MIT AND ISC", ["MIT"], True),
        ("MIT AND ISC", ["MIT", "ISC"], False),
        ("GPL-2.0-only WITH Classpath-exception-2.0", ["GPL-2.0-only"], False),
        ("GPL-2.0-only WITH Classpath-exception-2.0", ["MIT"], True),
        ("GPL-2.0-or-later", ["GPL-2.0-only"], False),
        ("Apache-2.0", ["Apache 2.0"], False),  # the policy may use common spellings too
        ("Apache-2.0", [], False),  # no policy, no check
    ],
)
def test_allowed_license_policy(declared: str, allowed: list[str], fires: bool) -> None:
    found = [
        f for f in license_findings("npm", declared, allowed=allowed) if f.type == "licenseSpdxDisj"
    ]
    assert bool(found) is fires
    if fires:
        assert found[0].props["spdx"] == normalise(declared)
        assert found[0].file == "package.json"


def test_license_change() -> None:
    change = license_change("MIT", "BUSL-1.1", "package.json", 4)
    assert change is not None
    assert (change.type, change.file, change.line) == ("licenseChange", "package.json", 4)
    assert change.props == {"previous": "MIT", "license": "BUSL-1.1"}
    assert license_change("MIT OR ISC", "ISC OR MIT") is None
    assert license_change("Apache 2.0", "Apache-2.0") is None
    assert license_change(None, None) is None
    assert license_change(None, "MIT") is not None


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(st.none(), st.text(max_size=80)),
    st.lists(st.text(max_size=60), max_size=3),
    st.binary(max_size=300),
)
def test_bad_input_never_raises(declared: str | None, classifiers: list[str], blob: bytes) -> None:
    normalise(declared)
    found = license_findings(
        "pypi",
        declared,
        classifiers,
        paths=["LICENSE"],
        license_texts={"LICENSE": blob},
        allowed=["MIT"],
        manifest_text=("METADATA", blob),
    )
    assert all(isinstance(f, Finding) for f in found)
