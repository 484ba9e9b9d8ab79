"""Validating requests and responses against GitHub's OpenAPI description (@octokit/openapi):
path template, method, query parameters, request body schema and response schema."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

METHODS = ("get", "post", "patch", "put", "delete")


@dataclass(frozen=True)
class Operation:
    template: str
    method: str
    spec: dict[str, Any]
    pointer: str  # JSON pointer of the operation inside the description


def _escape(text: str) -> str:
    return text.replace("~", "~0").replace("/", "~1")


class OpenApi:
    def __init__(self, path: Path) -> None:
        self.doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        self.uri = "urn:github-openapi"
        self._routes = sorted(
            (
                (template.count("{"), -len(template), template, self._regex(template))
                for template in self.doc["paths"]
            ),
        )

    @cached_property
    def registry(self) -> Any:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4

        resource = Resource.from_contents(self.doc, default_specification=DRAFT4)
        return Registry().with_resource(self.uri, resource)

    @staticmethod
    def _regex(template: str) -> re.Pattern[str]:
        parts = re.split(r"(\{[^}]+\})", template)
        pieces = []
        for part in parts:
            if not part.startswith("{"):
                pieces.append(re.escape(part))
                continue
            group = re.sub(r"\W", "_", part[1:-1])
            pieces.append(f"(?P<{group}>{'.+' if part == '{path}' else '[^/]+'})")
        body = "".join(pieces)
        return re.compile(f"^{body}$")

    def operation(self, method: str, path: str) -> Operation:
        """The operation a concrete request path and method select; fewest parameters win."""
        for _, _, template, regex in self._routes:
            if regex.match(path) and method.lower() in self.doc["paths"][template]:
                pointer = f"/paths/{_escape(template)}/{method.lower()}"
                return Operation(
                    template, method.lower(), self.doc["paths"][template][method.lower()], pointer
                )
        raise AssertionError(f"{method} {path}: no such operation in GitHub's description")

    def check_request(self, method: str, url: str, body: bytes) -> list[str]:
        parts = urlsplit(url)
        op = self.operation(method, parts.path)
        errors = []
        declared = {self._param(p)["name"]: self._param(p) for p in op.spec.get("parameters", [])}
        for name, _ in parse_qsl(parts.query):
            param = declared.get(name)
            if param is None or param["in"] != "query":
                errors.append(f"{method} {op.template}: undeclared query parameter {name!r}")
        request_body = op.spec.get("requestBody")
        if body and request_body is None:
            errors.append(f"{method} {op.template}: a body where none is described")
        elif request_body is not None:
            pointer = f"{op.pointer}/requestBody/content/application~1json/schema"
            if body:
                errors += self._validate(pointer, json.loads(body), write=True, where=op.template)
            elif request_body.get("required"):
                errors.append(f"{method} {op.template}: the required body is missing")
        return errors

    def check_response(self, method: str, url: str, status: int, body: Any) -> list[str]:
        op = self.operation(method, urlsplit(url).path)
        responses = op.spec["responses"]
        if str(status) not in responses:
            return [f"{method} {op.template}: status {status} is not described"]
        content = (responses[str(status)].get("content") or {}).get("application/json")
        if content is None:
            return [] if body is None else [f"{method} {op.template}: {status} has no body"]
        pointer = f"{op.pointer}/responses/{status}/content/application~1json/schema"
        return self._validate(pointer, body, write=False, where=f"{op.template} -> {status}")

    def example(self, method: str, template: str, status: int) -> Any:
        """The description's own example response: a template the fake server fills in."""
        op = self.doc["paths"][template][method.lower()]
        content = op["responses"][str(status)]["content"]["application/json"]
        examples = content["examples"]
        example = examples.get("default") or next(iter(examples.values()))
        if "$ref" in example:
            name = example["$ref"].rsplit("/", 1)[-1]
            example = self.doc["components"]["examples"][name]
        return copy.deepcopy(example["value"])

    def _param(self, param: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in param:
            found: dict[str, Any] = self.doc["components"]["parameters"][
                param["$ref"].rsplit("/", 1)[-1]
            ]
            return found
        return param

    def _validate(self, pointer: str, instance: Any, *, write: bool, where: str) -> list[str]:
        import openapi_schema_validator as osv

        cls = osv.OAS30WriteValidator if write else osv.OAS30ReadValidator
        validator = cls({"$ref": f"{self.uri}#{pointer}"}, registry=self.registry)
        return [
            f"{where}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}"
            for e in validator.iter_errors(instance)
            if not _nullable_enum(e)
        ]


def _nullable_enum(error: Any) -> bool:
    """GitHub's description marks enums `nullable: true` without listing null among the values
    (check-run `conclusion`); OpenAPI 3.0.3 says nullable adds null, so null is allowed."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    return error.validator == "enum" and error.instance is None and bool(schema.get("nullable"))
