"""One rule shape for every analyzer family: a `Rule` row, a `Registry` per family, one `Collector`.

A rule is a small function with a stable id that says what it reads (a node kind, call
qualnames, a file's lines) and which finding types it may emit, as Bandit's `@checks` /
`@test_id` and ruff's rule registry do. Each family (python, javascript, shell) fills its
registry with the `@REGISTRY.rule(...)` decorator; its runner asks the registry which rules
read what and runs them in the family's declared order (order matters: findings are
de-duplicated and capped per file). Every finding passes through a `Collector` while a rule
runs, and a type outside that rule's declaration fails loudly (`UndeclaredFinding`).
docs/adding-a-detection.md lists the touch points of a new rule.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from depshield.model import Finding

F = TypeVar("F", bound=Callable[..., Any])


class UndeclaredFinding(AssertionError):
    """A rule emitted a type it does not declare: a programming error, never input."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One detection rule of one family."""

    id: str  # stable: "python.call.open", "javascript.call", "shell.pipeline"
    family: str
    reads: str  # what the runner hands it: a node kind, "qualname", "file", "lines"...
    fn: Callable[..., Any]
    emits: frozenset[str]  # catalog types and signal:* kinds it may emit
    names: frozenset[str] = frozenset()  # reads == "qualname": the call names it is run on
    # It re-emits what the family's own rules found in nested code (an unpacked program):
    # any type of the family is then allowed.
    relays: bool = False
    doc: str = field(default="", compare=False)


class Registry:
    """The rules of one family, in the order its runner runs them."""

    def __init__(self, family: str, order: tuple[str, ...]) -> None:
        self.family = family
        self.order = order  # every rule's id, in run order (a new rule adds its id here)
        self._rules: dict[str, Rule] = {}
        self._by_name: dict[str, tuple[Rule, ...]] | None = None
        self._types: frozenset[str] | None = None

    def rule(
        self,
        id: str,
        *,
        reads: str,
        emits: Collection[str],
        names: Collection[str] = (),
        relays: bool = False,
    ) -> Callable[[F], F]:
        """Register the decorated function as rule `id` (ids are unique and listed in order)."""

        def register(fn: F) -> F:
            self.add(
                Rule(
                    id,
                    self.family,
                    reads,
                    fn,
                    frozenset(emits),
                    frozenset(names),
                    relays,
                    (fn.__doc__ or "").strip().split("\n")[0],
                )
            )
            return fn

        return register

    def add(self, rule: Rule) -> None:
        if rule.id in self._rules:
            raise ValueError(f"rule {rule.id!r} is registered twice")
        if rule.id not in self.order:
            raise ValueError(f"rule {rule.id!r} is missing from the {self.family} order")
        self._rules[rule.id] = rule
        self._by_name = self._types = None

    def __getitem__(self, id: str) -> Rule:
        return self._rules[id]

    def __iter__(self) -> Iterator[Rule]:
        """Every registered rule, in run order."""
        return (self._rules[i] for i in self.order if i in self._rules)

    def missing(self) -> list[str]:
        """Ids in the order that no module registered (a test asserts there are none)."""
        return [i for i in self.order if i not in self._rules]

    def reading(self, reads: str) -> tuple[Rule, ...]:
        return tuple(r for r in self if r.reads == reads)

    def named(self, name: str) -> tuple[Rule, ...]:
        """The qualname rules run on a call to `name`, in order."""
        if self._by_name is None:
            table: dict[str, list[Rule]] = {}
            for r in self.reading("qualname"):
                for n in r.names:
                    table.setdefault(n, []).append(r)
            self._by_name = {n: tuple(rs) for n, rs in table.items()}
        return self._by_name.get(name, ())

    def types(self) -> frozenset[str]:
        """Every type some rule of the family may emit."""
        if self._types is None:
            self._types = frozenset(t for r in self._rules.values() for t in r.emits)
        return self._types


class Collector:
    """Findings of one file as the rules emit them, each checked against the running rule.

    The families keep their own de-duplication and caps on top (`add` policies differ: a
    Python capability is kept once per function, a JavaScript signal once per kind and line);
    what they share is the list, the running rule and the declared-type check.
    """

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.running: list[Rule] = []  # a stack: a rule may run the family's rules on nested code

    @contextmanager
    def rule(self, rule: Rule) -> Iterator[None]:
        """Findings collected inside this block come from `rule`."""
        self.running.append(rule)
        try:
            yield
        finally:
            self.running.pop()

    def check(self, type_: str) -> None:
        """Fail loudly when the running rule does not declare `type_` (or no rule runs)."""
        if not self.running:
            raise UndeclaredFinding(f"{type_!r} was emitted outside any rule")
        rule = self.running[-1]
        if type_ in rule.emits:
            return
        if rule.relays and type_ in _REGISTRIES[rule.family].types():
            return
        raise UndeclaredFinding(
            f"rule {rule.id!r} emitted {type_!r}, which it does not declare in `emits`"
        )

    def share(self, other: Collector) -> None:
        """Collect into `other`'s list and rule stack (an emitter for nested code)."""
        self.findings, self.running = other.findings, other.running


_REGISTRIES: dict[str, Registry] = {}


def registry(family: str, order: tuple[str, ...]) -> Registry:
    """The registry of `family` (one per family, created by its `family.py`)."""
    if family in _REGISTRIES:
        raise ValueError(f"the {family} registry exists already")
    _REGISTRIES[family] = made = Registry(family, order)
    return made


def registries() -> dict[str, Registry]:
    return dict(_REGISTRIES)
