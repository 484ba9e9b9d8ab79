"""A fast safe YAML load for the plain documents lockfiles are: built straight from libyaml events.

PyYAML's constructor costs a few Python calls per node (a 100,000-entry pnpm-lock.yaml, 1.4M
nodes, took ~20 s; issue 17). This builds the same values from the C parser's events in one loop
and gives up (returns None) on anything it does not handle exactly as `yaml.safe_load` would:
anchors and aliases, explicit tags, merge keys, complex keys, several documents, a parse error.
The caller then uses the ordinary loader, which also words the error.
"""

from __future__ import annotations

from typing import Any

_STR = "tag:yaml.org,2002:str"
# Tags of plain scalars whose SafeConstructor value is immutable (so one value may be shared).
_SHAREABLE = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
    _STR,
}
_MAP_TAGS = (None, "!", "tag:yaml.org,2002:map")
_SEQ_TAGS = (None, "!", "tag:yaml.org,2002:seq")


class _GiveUp(Exception):
    """The document needs the ordinary loader."""


class _Plain:
    """Plain-scalar values the way SafeLoader resolves them, memoised by text."""

    def __init__(self) -> None:
        from yaml.constructor import SafeConstructor
        from yaml.resolver import Resolver

        self.resolver = Resolver()
        self.constructor = SafeConstructor()
        self.first = set(Resolver.yaml_implicit_resolvers) - {None}
        self.seen: dict[str, Any] = {}

    def value(self, text: str) -> Any:
        if text and text[0] not in self.first:
            return text  # no implicit resolver starts with this character: a string
        if text in self.seen:
            return self.seen[text]
        from yaml.nodes import ScalarNode

        tag = self.resolver.resolve(ScalarNode, text, (True, False))
        if tag not in _SHAREABLE:
            raise _GiveUp  # merge keys (`<<`), `=` values
        value = self.constructor.yaml_constructors[tag](self.constructor, ScalarNode(tag, text))
        self.seen[text] = value
        return value


def load_plain(text: str) -> Any:
    """The document's value as `yaml.safe_load` gives it, or None when it needs that loader."""
    try:
        from yaml._yaml import CParser
    except ImportError:
        return None
    parser = CParser(text)
    try:
        return _build(parser, _Plain())
    except Exception:  # noqa: BLE001 - a YAMLError or a shape we skip: the ordinary loader decides
        return None
    finally:
        parser.dispose()


def _build(parser: Any, plain: _Plain) -> Any:
    """One loop over the events, the container code inline: it runs once per node."""
    from yaml import events

    scalar, mapping_start, sequence_start = (
        events.ScalarEvent,
        events.MappingStartEvent,
        events.SequenceStartEvent,
    )
    closing = (events.MappingEndEvent, events.SequenceEndEvent)
    first, value = plain.first, plain.value
    stack: list[Any] = []  # the open containers
    keys: list[Any] = []  # per open container: a mapping's pending key, or _NO_KEY
    documents = 0
    root: Any = None
    while True:
        event = parser.get_event()
        kind = type(event)
        if kind is scalar:
            if event.tag not in (None, "!") or event.anchor is not None:
                raise _GiveUp
            node: Any = event.value
            if event.implicit[0] and (not node or node[0] in first):
                node = value(node)  # a plain scalar an implicit resolver may claim
        elif kind is mapping_start or kind is sequence_start:
            tags = _MAP_TAGS if kind is mapping_start else _SEQ_TAGS
            if event.tag not in tags or event.anchor is not None:
                raise _GiveUp
            stack.append({} if kind is mapping_start else [])
            keys.append(_NO_KEY)
            continue
        elif kind in closing:
            node = stack.pop()
            keys.pop()
        elif kind is events.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _GiveUp
            continue
        elif kind is events.StreamEndEvent:
            return root
        elif kind in (events.StreamStartEvent, events.DocumentEndEvent):
            continue
        else:
            raise _GiveUp  # an alias
        # Put the finished node into the open container: as an item, a key or a value.
        if not stack:
            root = node
        elif type(stack[-1]) is list:
            stack[-1].append(node)
        elif keys[-1] is _NO_KEY:
            if type(node) is dict or type(node) is list:
                raise _GiveUp  # a complex key: the ordinary loader refuses it as unhashable
            keys[-1] = node
        else:
            stack[-1][keys[-1]] = node
            keys[-1] = _NO_KEY


_NO_KEY = object()  # a mapping waiting for its next key
