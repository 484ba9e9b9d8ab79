"""One line of a pip requirements file: logical lines, options and the requirement itself."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from depshield.lockfiles.lines import iter_lines
from depshield.lockfiles.pycommon import normalize

# pip's own rule (req_file.COMMENT_RE): a comment starts at a '#' that begins the line or follows
# whitespace, so the '#egg=' of a URL is not a comment.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_VCS = ("git+", "hg+", "svn+", "bzr+")
_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
# `name==version` in the forms every PEP 508 / PEP 440 reader agrees on (a name of letters,
# digits and `._-`; a release with an optional pre, post and dev part): the line pip-compile
# writes, read without packaging's tokenizer, which took 4 s for 100,000 lines (issue 17).
# Anything else (extras, markers, other operators, local versions) is packaging's to read.
_PLAIN_PIN = re.compile(
    r"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)[ \t]*==[ \t]*"
    r"([0-9]+(?:\.[0-9]+)*(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?)"
)
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".tar")
# Options that take a value; any other option is a flag.
VALUED = {
    "-r": "--requirement",
    "-c": "--constraint",
    "-e": "--editable",
    "-i": "--index-url",
    "-f": "--find-links",
    "--requirement": "",
    "--constraint": "",
    "--editable": "",
    "--index-url": "",
    "--extra-index-url": "",
    "--find-links": "",
    "--trusted-host": "",
    "--only-binary": "",
    "--no-binary": "",
    "--use-feature": "",
    "--hash": "",
    "--config-settings": "",
    "--global-option": "",
    "--install-option": "",
}


@dataclass(frozen=True, slots=True)
class Line:
    number: int  # the first physical line of a continued logical line
    text: str  # without its comment, stripped
    comment: str  # the comment including '#', stripped; "" if none


@dataclass(frozen=True, slots=True)
class Requirement:
    name: str  # PEP 503 normalised
    version: str  # the pinned version, else the specifier as written ("" for any version)
    pinned: bool
    url: str | None = None  # URL, VCS URL or path when not from the index
    marker: str | None = None


def logical_lines(text: str) -> Iterator[Line]:
    """pip's join_lines: a line ending in backslashes continues on the next (unless a comment).

    Like pip, every backslash at either end of a continued line is stripped (``line.strip("\\")``),
    so ``foo==1.0 \\\\`` continues too instead of leaving a stray backslash.
    """
    parts: list[str] = []
    first = 0
    for number, raw in enumerate(iter_lines(text), start=1):
        comment = _is_comment(raw)
        if raw.endswith("\\") and not comment:
            first = first or number
            parts.append(raw.strip("\\"))
            continue
        parts.append(" " + raw if comment else raw)
        yield _split_comment(first or number, "".join(parts))
        parts, first = [], 0
    if parts:
        yield _split_comment(first, "".join(parts))


def _is_comment(line: str) -> bool:
    """pip's ``COMMENT_RE.match``: only whitespace before a leading ``#``."""
    return line.lstrip().startswith("#")


def _comment_start(line: str) -> int | None:
    """Where pip's ``COMMENT_RE`` (``(^|\\s+)#.*$``) would match, found in linear time.

    The regex itself backtracks over every run of spaces not followed by ``#``: one long line of
    spaces took minutes (issue 17). A comment starts at the whitespace run before the first ``#``
    that opens the line or follows whitespace.
    """
    found = line.find("#")
    while found != -1:
        if found == 0 or line[found - 1].isspace():
            return len(line[:found].rstrip())
        found = line.find("#", found + 1)
    return None


def _split_comment(number: int, line: str) -> Line:
    start = _comment_start(line)
    if start is None:
        return Line(number, line.strip(), "")
    return Line(number, line[:start].strip(), line[start:].strip())


def split_options(text: str) -> tuple[str, list[tuple[str, str | None]]]:
    """pip's break_args_options: the requirement part, then (option, value) pairs."""
    # The first space-separated word starting with "-", found by one search rather than a Python
    # loop over every word (a line of 2,000,000 spaces: 2.4 s).
    cut = 0 if text.startswith("-") else text.find(" -") + 1
    if cut == 0 and not text.startswith("-"):
        return text.strip(), parse_options("")
    return text[:cut].strip(), parse_options(text[cut:])


def parse_options(text: str) -> list[tuple[str, str | None]]:
    """`-r x`, `-rx`, `--requirement x`, `--requirement=x`, flags -> (long name, value)."""
    # Without quotes or backslashes shlex (slow: one Python call per character) splits on spaces.
    if any(c in text for c in "\"'\\"):
        try:
            tokens = shlex.split(text, comments=False)
        except ValueError as exc:  # an unclosed quote
            raise ValueError(f"cannot split options {text!r}: {exc}") from None
    else:
        tokens = text.split()
    found: list[tuple[str, str | None]] = []
    while tokens:
        token = tokens.pop(0)
        name, eq, value = token.partition("=") if token.startswith("--") else (token, "", "")
        if not token.startswith("--") and len(token) > 2 and token[:2] in VALUED:
            name, eq, value = token[:2], "=", token[2:]  # the attached short form: -rbase.txt
        long_name = VALUED.get(name) or name
        if name in VALUED and not eq:
            value, eq = (tokens.pop(0) if tokens else ""), "="
        found.append((long_name, value if eq else None))
    return found


def looks_like_location(text: str) -> bool:
    """A URL or a path rather than a PEP 508 requirement (pip's install_req_from_line test)."""
    # A bare archive file name ("x-1.0.tar.gz") is also a valid PEP 508 name; pip reads it
    # as a file, and so does this.
    archive = text.lower().endswith(_ARCHIVES) and not re.search(r"[\s@;]", text)
    return bool(
        _SCHEME.match(text)
        or text.startswith(_VCS)
        or text.startswith((".", "/", "~", "\\"))
        or _WINDOWS_PATH.match(text)
        or archive
    )


def parse_requirement(text: str) -> Requirement | None:
    """A requirement string as pip reads it; None for the project itself ('.'); ValueError."""
    pin = _PLAIN_PIN.fullmatch(text)
    if pin is not None:  # what pep508_requirement(text) gives for it, sooner
        return Requirement(normalize(pin.group(1)), pin.group(2), True)
    if looks_like_location(text):
        location, _, url_marker = text.partition("; ")  # pip: a URL's marker follows "; "
        return _location(location.strip(), url_marker.strip() or None)
    return pep508_requirement(text)


def pep508_requirement(text: str) -> Requirement:
    """A PEP 508 requirement (not a location) read by packaging; ValueError."""
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    try:
        req = Pep508(text)
    except InvalidRequirement as exc:
        raise ValueError(str(exc)) from None
    marker = str(req.marker) if req.marker else None
    if req.url:
        from_file = _from_filename(req.url)
        version = (
            from_file[1] if from_file and normalize(from_file[0]) == normalize(req.name) else ""
        )
        return Requirement(normalize(req.name), version, bool(version), req.url, marker)
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return Requirement(normalize(req.name), specs[0].version, True, None, marker)
    return Requirement(normalize(req.name), str(req.specifier), False, None, marker)


def _location(location: str, marker: str | None) -> Requirement | None:
    if location.rstrip("/\\") in (".", ""):
        return None
    egg = _EGG.search(location)
    from_file = _from_filename(location)
    if egg:
        name, version = egg.group(1), from_file[1] if from_file else ""
    elif from_file:
        name, version = from_file
    else:  # a VCS URL or a directory: its last path segment, as pip names it before building
        tail = re.split(r"[/\\]", location.split("#")[0].split("@")[0].rstrip("/\\"))[-1]
        name, version = tail.removesuffix(".git"), ""
    if not name:
        raise ValueError(f"cannot tell the project name of {location!r}")
    return Requirement(normalize(name), version, bool(version), location, marker)


def _from_filename(location: str) -> tuple[str, str] | None:
    """(name, version) from a wheel or sdist file name at the end of a URL or path."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    filename = re.split(r"[/\\]", location.split("#")[0].split("?")[0])[-1]
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
            return str(name), str(version)
        if filename.endswith((".tar.gz", ".zip")):
            sname, sversion = parse_sdist_filename(filename)
            return str(sname), str(sversion)
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None
