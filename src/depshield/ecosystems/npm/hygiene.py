"""npm project hygiene: shrinkwrap, README, tests, repository, website, bug tracker, author."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import Any
from urllib.parse import urlsplit

from depshield.ecosystems.npm.dependencies import is_github_shorthand
from depshield.ecosystems.npm.package_json import PACKAGE_JSON, PackageJson
from depshield.model import Finding

_README = re.compile(r"^readme(\.[^/]*)?$", re.IGNORECASE)
_TEST_DIRS = frozenset({"test", "tests", "__tests__", "spec", "specs"})
_TEST_FILE = re.compile(r"\.(test|spec)\.[cm]?[jt]sx?$")
# What `npm init` writes: a test script that only fails.
_NPM_INIT_TEST = "no test specified"
# hosted-git-info's hosts: npm derives `bugs` and `homepage` from a repository on these.
_CODE_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "gist.github.com"})
_HOST_SHORTCUTS = ("github:", "gitlab:", "bitbucket:", "gist:", "sourcehut:")


def hygiene_findings(pkg: PackageJson, paths: Collection[str]) -> Iterator[Finding]:
    """One finding per missing piece of hygiene; all are facts about the whole package."""
    if "npm-shrinkwrap.json" in paths:
        yield Finding("shrinkwrap", "npm-shrinkwrap.json", 0, "ships npm-shrinkwrap.json")
    data = pkg.data
    hosted = _hosted_repository(data.get("repository"))
    missing = {
        "noREADME": not any(_README.match(p) for p in paths),
        "noTests": not _has_tests(data, paths),
        "noRepository": not _url_of(data.get("repository")),
        "noWebsite": not _url_of(data.get("homepage")) and not hosted,
        "noBugTracker": not (_url_of(data.get("bugs")) or _email_of(data.get("bugs")))
        and not hosted,
        "noAuthorData": not _has_author(data),
    }
    for kind, fires in missing.items():
        if fires:
            yield Finding(kind, PACKAGE_JSON, 0, "")


def _has_tests(data: dict[str, Any], paths: Collection[str]) -> bool:
    scripts = data.get("scripts")
    test = scripts.get("test") if isinstance(scripts, dict) else None
    if isinstance(test, str) and test.strip() and _NPM_INIT_TEST not in test:
        return True
    for path in paths:
        parts = path.split("/")
        if "node_modules" in parts:
            continue
        if _TEST_DIRS.intersection(parts[:-1]) or _TEST_FILE.search(parts[-1]):
            return True
    return False


def home_urls(data: dict[str, Any]) -> tuple[str, ...]:
    """The places the manifest names as the project's home: its repository (with the
    monorepo `directory`), homepage and bug tracker (didYouMean's identity check)."""
    repo = _url_of(data.get("repository"))
    directory = (
        data["repository"].get("directory") if isinstance(data.get("repository"), dict) else None
    )
    if repo and isinstance(directory, str) and directory.strip():
        repo = f"{repo.rstrip('/')}/{directory.strip()}"
    found = (repo, _url_of(data.get("homepage")), _url_of(data.get("bugs")))
    return tuple(u for u in found if u)


def _url_of(value: Any) -> str:
    """The URL of a `repository`/`homepage`/`bugs` field: a string or an object's `url`."""
    if isinstance(value, dict):
        value = value.get("url")
    return value.strip() if isinstance(value, str) else ""


def _email_of(value: Any) -> str:
    email = value.get("email") if isinstance(value, dict) else None
    return email.strip() if isinstance(email, str) else ""


def _hosted_repository(value: Any) -> bool:
    """Whether npm can derive issue and home pages from the repository (normalize-package-data)."""
    url = _url_of(value)
    if not url:
        return False
    if url.startswith(_HOST_SHORTCUTS) or is_github_shorthand(url):
        return True
    if "://" not in url and "@" in url:  # scp-like git@github.com:user/repo
        url = "ssh://" + url.replace(":", "/", 1)
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return host.removeprefix("www.") in _CODE_HOSTS


def _has_author(data: dict[str, Any]) -> bool:
    author = data.get("author")
    if isinstance(author, str) and author.strip():
        return True
    if isinstance(author, dict) and any(
        isinstance(author.get(k), str) and author[k].strip() for k in ("name", "email")
    ):
        return True
    return any(isinstance(data.get(k), list) and data[k] for k in ("contributors", "maintainers"))
