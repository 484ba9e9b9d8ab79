"""Requirements files: pins, hashes, markers, URLs, options, includes, constraints, annotations."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.lockfiles import fixture_parser

from depshield.lockfiles.base import ROOT, LockedPackage, Lockfile, LockfileError
from depshield.lockfiles.graph import introduced_by
from depshield.lockfiles.requirements import RequirementsParser

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lockfiles" / "python"
parse = fixture_parser(RequirementsParser(), FIXTURES)


def by_name(lockfile: Lockfile) -> dict[str, LockedPackage]:
    return {p.name: p for p in lockfile.packages}


def test_wants_requirements_files_by_name() -> None:
    parser = RequirementsParser()
    assert parser.wants(Path("requirements.txt"))
    assert parser.wants(Path("requirements-dev.txt"))
    assert parser.wants(Path("dev-requirements.txt"))
    assert parser.wants(Path("requirements/base.txt"))
    assert not parser.wants(Path("requirements.in"))
    assert not parser.wants(Path("constraints.txt"))
    assert not parser.wants(Path("notes.txt"))


def test_pinned_names_versions_lines_and_hashes() -> None:
    lockfile = parse("hashes-and-markers.requirements.txt")
    assert lockfile.format == "requirements"
    assert lockfile.ecosystem == "pypi"
    packages = by_name(lockfile)
    assert sorted(packages) == ["certifi", "colorama", "django", "requests", "zope-interface"]
    certifi = packages["certifi"]
    assert (certifi.version, certifi.line, certifi.source) == ("2024.8.30", 2, "registry")
    assert certifi.hashes == (
        "sha256:922820b53db7a7257ffbda3f597266d435245903d80737e34f8a45ff3e3230d8",
        "sha256:bec941d2aa8195e248a60b31ff9f0558284cf01a52591ceda73ea9afffd69fd9",
    )
    # `===` is an exact pin; the name is PEP 503 normalised.
    assert (packages["django"].version, packages["django"].line) == ("4.2.16", 9)
    assert (packages["zope-interface"].version, packages["zope-interface"].line) == ("7.1.0", 10)
    assert len(packages["zope-interface"].hashes) == 1
    assert (packages["requests"].version, packages["requests"].line) == ("2.32.3", 8)
    assert not any("not pinned" in note for note in lockfile.notes)


def test_marker_kept_with_its_package_and_its_hash() -> None:
    colorama = by_name(parse("hashes-and-markers.requirements.txt"))["colorama"]
    # Every platform is scanned: the package stays, its marker recorded.
    assert colorama.marker == 'sys_platform == "win32"'
    assert colorama.line == 5
    assert colorama.hashes == (
        "sha256:08695f5cb7ed6e0531a20572697297273c47b8cae5a63ffc6d6ed5c201be6e44",
    )


def test_plain_file_every_requirement_is_direct_child_of_root() -> None:
    lockfile = parse("hashes-and-markers.requirements.txt")
    assert all(p.direct for p in lockfile.packages)
    assert set(lockfile.edges) == {(ROOT, p.key) for p in lockfile.packages}


def test_unpinned_requirements_keep_their_specifier_and_get_a_note() -> None:
    lockfile = parse("unpinned.requirements.txt")
    packages = by_name(lockfile)
    assert packages["flask"].version == "<3,>=2.0"
    assert packages["click"].version == ""
    assert packages["itsdangerous"].version == "==2.*"  # a wildcard is no pin
    assert packages["werkzeug"].version == "3.0.4"
    unpinned = [n for n in lockfile.notes if "not pinned" in n]
    assert len(unpinned) == 3
    assert any(
        n.startswith("flask ") and n.endswith("unpinned.requirements.txt:1)") for n in unpinned
    )
    assert not any("werkzeug" in n for n in lockfile.notes)


def test_urls_vcs_and_paths() -> None:
    lockfile = parse("urls-and-paths.requirements.txt")
    packages = by_name(lockfile)
    attrs = packages["attrs"]
    assert (attrs.version, attrs.source, attrs.line) == ("24.2.0", "http", 2)
    assert attrs.resolved == "https://files.example.invalid/packages/attrs-24.2.0-py3-none-any.whl"
    toolkit = packages["acme-toolkit"]
    assert (toolkit.source, toolkit.version, toolkit.line) == ("git", "", 3)
    assert (
        toolkit.resolved == "git+https://git.example.invalid/acme/toolkit.git@v1.2#egg=acme-toolkit"
    )
    six = packages["six"]
    assert (six.version, six.source, six.line) == ("1.16.0", "http", 4)
    local = packages["localpkg"]
    assert (local.source, local.resolved, local.line) == ("file", "./vendor/localpkg", 5)
    plugin = packages["acme-plugin"]
    assert (plugin.source, plugin.line) == ("git", 7)
    pyyaml = packages["pyyaml"]
    assert (pyyaml.version, pyyaml.source, pyyaml.line) == ("6.0.2", "file", 8)
    assert pyyaml.marker == 'python_version >= "3.11"'


def test_editable_project_itself_is_not_a_package() -> None:
    lockfile = parse("urls-and-paths.requirements.txt")
    assert len(lockfile.packages) == 6
    assert any(":6: '.' is the project itself" in note for note in lockfile.notes)
    assert any(":7: acme-plugin is installed editable" in note for note in lockfile.notes)
    assert not any("not pinned" in note for note in lockfile.notes)


def test_index_options_recorded_never_followed_and_credentials_hidden() -> None:
    lockfile = parse("options.requirements.txt")
    notes = "\n".join(lockfile.notes)
    assert "s3cret" not in notes and "deploy" not in notes
    assert (
        "options.requirements.txt:1: --index-url https://***@pypi.example.invalid/simple" in notes
    )
    assert ":2: --extra-index-url https://mirror.example.invalid/simple (recorded" in notes
    assert ":3: --find-links https://files.example.invalid/wheels/ (recorded" in notes
    assert ":4: option --pre" in notes
    assert ":5: option --only-binary :all:" in notes
    assert ":6: lxml option --config-settings --build-option=--static" in notes
    assert [p.key for p in lockfile.packages] == ["lxml@5.3.0"]


def test_pip_compile_via_annotations_give_edges_and_direct_flags() -> None:
    lockfile = parse("pip-compile-annotations.requirements.txt")
    packages = by_name(lockfile)
    assert packages["django"].direct and packages["djangorestframework"].direct
    assert not packages["asgiref"].direct and not packages["sqlparse"].direct
    assert set(lockfile.edges) == {
        (ROOT, "django@5.1.2"),
        (ROOT, "djangorestframework@3.15.2"),
        ("django@5.1.2", "asgiref@3.8.1"),
        ("djangorestframework@3.15.2", "django@5.1.2"),
        ("django@5.1.2", "sqlparse@0.5.1"),
    }
    assert introduced_by(lockfile)["sqlparse@0.5.1"] == "django > sqlparse"
    assert packages["sqlparse"].line == 18


def test_nested_includes_constraints_and_lines_in_their_own_files() -> None:
    lockfile = parse("nested-includes/requirements.txt")
    packages = by_name(lockfile)
    # base.txt is read once although requirements.txt and dev.txt both include it.
    assert [p.key for p in lockfile.packages] == [
        "django@4.2.16",
        "kombu@5.4.2",
        "pytest@8.3.3",
        "celery@5.4.0",
    ]
    base = str(FIXTURES / "nested-includes" / "base.txt")
    assert (packages["django"].file, packages["django"].line) == (base, 1)
    assert (packages["kombu"].file, packages["kombu"].line) == (base, 3)
    assert packages["pytest"].file == str(FIXTURES / "nested-includes" / "dev.txt")
    assert (packages["celery"].file, packages["celery"].line) == (None, 4)
    # Constraints pin what is unpinned, and add nothing: redis is only a constraint.
    assert "redis" not in packages
    assert any(
        n.startswith("celery pinned to 5.4.0 by the constraints file") for n in lockfile.notes
    )
    assert not any("not pinned" in n for n in lockfile.notes)


def test_include_cycle_is_noted_and_each_file_read_once() -> None:
    lockfile = parse("include-cycle/requirements.txt")
    assert sorted(p.key for p in lockfile.packages) == ["requests@2.32.3", "urllib3@2.2.3"]
    cycle = [n for n in lockfile.notes if "include cycle" in n]
    assert len(cycle) == 1
    assert (
        "other.txt:2: include cycle requirements.txt -> other.txt -> requirements.txt" in cycle[0]
    )


def test_missing_include_names_the_including_file_and_line() -> None:
    path = FIXTURES / "missing-include" / "requirements.txt"
    with pytest.raises(LockfileError) as caught:
        RequirementsParser().parse(path, path.read_text())
    assert caught.value.path == str(path)
    assert caught.value.line == 2
    assert "'not-there.txt' not found" in str(caught.value)
    assert caught.value.tip and "not-there.txt" in caught.value.tip


def test_bad_requirement_line_is_an_error_with_line_and_tip() -> None:
    with pytest.raises(LockfileError) as caught:
        parse("bad-requirement.requirements.txt")
    assert caught.value.line == 3
    assert "invalid requirement 'django = = 4.2'" in str(caught.value)
    assert caught.value.tip


def test_unclosed_quote_in_options_is_an_error_not_a_traceback() -> None:
    with pytest.raises(LockfileError) as caught:
        parse("unclosed-quote.requirements.txt")
    assert caught.value.line == 1


def test_remote_and_absolute_includes_are_not_followed(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    text = "-r https://files.example.invalid/reqs.txt\n-c /etc/constraints.txt\nsix==1.16.0\n"
    lockfile = RequirementsParser().parse(path, text)
    assert [p.key for p in lockfile.packages] == ["six@1.16.0"]
    assert sum("not followed" in n for n in lockfile.notes) == 2


def test_continuation_line_reports_its_first_physical_line(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    text = "\n\nidna==3.10 \\\n  --hash=sha256:aa \\\n  --hash=sha256:bb\nsix==1.16.0\n"
    packages = by_name(RequirementsParser().parse(path, text))
    assert (packages["idna"].line, packages["idna"].hashes) == (3, ("sha256:aa", "sha256:bb"))
    assert packages["six"].line == 6
