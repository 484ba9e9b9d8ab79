"""Every ecosystem plug-in has every member of the interface (ecosystems/base.py) under its
table name; a new ecosystem that forgets one fails here, not in the middle of a scan."""

from __future__ import annotations

import inspect

import pytest

from depshield.ecosystems.base import EcosystemPlugin
from depshield.ecosystems.plugins import plugins
from depshield.model import PackageRef

MEMBERS = {n for n in vars(EcosystemPlugin) if not n.startswith("_")} | set(
    EcosystemPlugin.__annotations__
)


def test_the_interface_is_not_empty() -> None:
    assert {"name", "fetch", "version_key", "release_files", "history"} <= MEMBERS


@pytest.mark.parametrize("name", sorted(plugins()))
def test_plugin_has_every_member_under_its_table_name(name: str) -> None:
    plugin = plugins()[name]
    assert plugin.name == name
    missing = sorted(m for m in MEMBERS if not hasattr(plugin, m))
    assert missing == []
    for member in MEMBERS:
        wanted = getattr(EcosystemPlugin, member, None)
        if inspect.isfunction(wanted):
            got = inspect.signature(getattr(plugin, member)).parameters
            assert list(got) == list(inspect.signature(wanted).parameters)[1:], member


def test_the_plugins_answer_their_ecosystem_questions() -> None:
    npm, pypi = plugins()["npm"], plugins()["pypi"]
    assert npm.is_exact("1.2.3") and not npm.is_exact("^1.2.3")
    assert pypi.is_exact("==2.0") and not pypi.is_exact(">=2.0")
    assert npm.version_key("1.0.0-rc.1")[0] < npm.version_key("1.0.0")[0]
    assert pypi.version_key("1.0rc1")[2] is True
    assert pypi.canonical_name("Foo_Bar.baz") == "foo-bar-baz" == pypi.registry_key("Foo.Bar_baz")
    assert npm.split_scope("@babel/core") == ("@babel", "core")
    assert pypi.split_scope("@x/y") == (None, "@x/y")
    assert npm.artifact_evidence("x.tgz", {"package.json": b"{}"}, ["package.json"]) > 0
    assert pypi.artifact_evidence("x-1.0-py3-none-any.whl", {}, []) > npm.artifact_evidence(
        "x.whl", {"package.json": b"{}"}, ["package.json"]
    )
    ref = PackageRef("npm", "x", "1.0.0")
    assert str(ref) == f"npm:x{npm.version_separator}1.0.0"
