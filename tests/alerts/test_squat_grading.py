"""didYouMean's grading: warn on a near name that borrows or lacks a home, monitor on one that
names its own and does nothing else (docs/typosquats.md, "Grading")."""

from __future__ import annotations

from pathlib import Path

import pytest

from depshield.alerts.squats import own_home
from depshield.api import analyze_artifact
from depshield.policy import Policy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPSHIELD_HOME", str(tmp_path / "home"))


def _squat(fixture: str, policy: Policy | None = None) -> tuple[str, tuple[object, ...]]:
    result = analyze_artifact(FIXTURES / fixture, policy=policy)
    [alert] = [a for a in result.alerts if a.type == "didYouMean"]
    return result.verdict, (alert.type, alert.file, alert.line, alert.action)


@pytest.mark.parametrize(
    "fixture",
    [
        "incidents/npm-squat-borrowed-home",  # the target's repository, copied
        "incidents/pypi-squat-borrowed-home",  # the target's Home-page and Source
        "incidents/npm-near-name-own-home-install-hook",  # its own home, but a postinstall
    ],
)
def test_near_name_without_a_home_of_its_own_warns(fixture: str) -> None:
    verdict, alert = _squat(fixture)
    assert alert == ("didYouMean", None, None, "warn")
    assert verdict == "warn"


@pytest.mark.parametrize(
    "fixture", ["lookalikes/npm-near-name-own-home", "lookalikes/pypi-near-name-own-home"]
)
def test_near_name_naming_its_own_home_is_monitor(fixture: str) -> None:
    result = analyze_artifact(FIXTURES / fixture)
    [alert] = [a for a in result.alerts if a.type == "didYouMean"]
    assert (alert.file, alert.line, alert.action, alert.severity) == (
        None,
        None,
        "monitor",
        "middle",
    )
    assert "names its own home" in alert.props["note"]
    assert alert.props["alternatePackage"] in ("event-stream", "colorama")
    assert result.verdict == "pass"


def test_an_explicit_policy_action_is_kept() -> None:
    policy = Policy(actions={"didYouMean": "warn"})
    verdict, alert = _squat("lookalikes/npm-near-name-own-home", policy)
    assert (alert, verdict) == (("didYouMean", None, None, "warn"), "warn")


@pytest.mark.parametrize(
    ("name", "target", "urls", "named"),
    [
        ("accept", "accepts", ["git://git.example.invalid/hapijs/accept"], True),
        # its words inside a longer repository name
        ("auto-prefixer", "autoprefixer", ["https://h.invalid/u/react-inline-auto-prefixer"], True),
        # a monorepo folder that holds both names' words is the package's own folder
        (
            "babel-plugin-x-y",
            "@babel/plugin-x-y",
            ["https://h.invalid/babel/babel/tree/main/packages/babel-plugin-x-y"],
            True,
        ),
        ("ro-crate", "rc-rate", ["git+https://h.invalid/lrt/ro-crate-js.git"], True),
        ("colourama", "colorama", ["https://colourama.docs.invalid/"], True),
        # the target's home, or an unrelated one, or none
        ("evnt-stream", "event-stream", ["https://h.invalid/dominictarr/event-stream"], None),
        ("soket.io", "socket.io", ["https://h.invalid/other/player"], None),
        ("loadsh", "lodash", [], None),
        # naming itself and the target: the copied home wins
        (
            "requesta",
            "requests",
            ["https://h.invalid/me/requesta", "https://h.invalid/psf/requests"],
            None,
        ),
        # a scoped name needs its scope named: faker-javascript is not fakerjs
        ("@fakerjs/faker", "@faker-js/faker", ["https://h.invalid/faker-javascript/faker"], None),
        ("@acme/lodahs", "lodash", ["https://h.invalid/acme/lodahs"], True),
        # word order and whole words count: css-inline is not inline-css, slash2 not slash
        ("css-inline", "inline-css", ["https://h.invalid/s/inline-css"], None),
        ("slash2", "slash", ["https://h.invalid/s/slash"], None),
    ],
)
def test_own_home(name: str, target: str, urls: list[str], named: bool | None) -> None:
    found = own_home(name, target, urls)
    assert (found is not None) == bool(named)
    if named:
        assert found == urls[0]
