"""Python code that looks like a payload runner but is not: a decoded blob the caller hands in
under a literal key, compile() of source a tool analyses; and the shapes that still fire."""

from __future__ import annotations

from depshield.analyzers.python import PythonAnalyzer


def found(code: str, type_: str) -> list[int]:
    fa = PythonAnalyzer().analyze("pkg/mod.py", code.encode())
    return [f.line for f in fa.findings if f.type == type_]


STATE_HOOK = """import json
import pickle
from base64 import b64decode


def import_jobs(infile):
    def hook(dct):
        if data := dct.get("__scheduler_pickled_state__"):
            return pickle.loads(b64decode(data))
        return dct

    return json.load(infile, object_hook=hook)
"""


def test_decoding_what_a_caller_stored_under_a_literal_key_is_no_payload() -> None:
    assert found(STATE_HOOK, "encodedPayloadExecution") == []


EMBEDDED = """import pickle
from base64 import b64decode

STATE = {"job": "gASVIAAAAAAAAACMCGJ1aWx0aW5zlIwFcHJpbnSUk5SMAmhplIWUUpQu"}
pickle.loads(b64decode(STATE["job"]))
"""


def test_an_embedded_blob_read_through_a_key_still_is_a_payload() -> None:
    assert found(EMBEDDED, "encodedPayloadExecution") == [5]


ANALYSER = """import ast
import marshal


def load(path, compiled):
    with open(path, "rb") as fp:
        if compiled:
            co = marshal.loads(fp.read()[16:])
        else:
            co = compile(fp.read(), path, "exec", ast.PyCF_ONLY_AST, True)
    if isinstance(co, ast.AST):
        co = compile(co, path, "exec", 0, True)
    return co
"""

RUNS_IT = """import base64

exec(compile(base64.b64decode("aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk="), "<s>", "exec"))
"""


def test_compile_alone_runs_nothing_exec_of_it_still_fires() -> None:
    assert found(ANALYSER, "encodedPayloadExecution") == []
    assert found(RUNS_IT, "encodedPayloadExecution") == [3]
