"""Python analyzer internals: constant folding and name resolution, with hostile inputs."""

from __future__ import annotations

import ast
import base64
import zlib

import pytest

from depshield.analyzers.python.decode import MAX_LEN
from depshield.analyzers.python.resolve import Resolver
from depshield.analyzers.python.scope import build_index


def last_value(source: str) -> tuple[Resolver, ast.expr, object]:
    """Resolver for `source` and the expression of its last line (`x = <expr>` or `<expr>`)."""
    tree = ast.parse(source)
    index = build_index(tree)
    last = tree.body[-1]
    expr = last.value if isinstance(last, ast.Assign | ast.Expr) else None
    assert expr is not None
    return Resolver(index.module), expr, index.module


def fold(source: str) -> object:
    resolver, expr, module = last_value(source)
    got = resolver.fold(expr, module)  # type: ignore[arg-type]
    return None if got is None else got.value


def qualname(source: str) -> str | None:
    resolver, expr, module = last_value(source)
    return resolver.qualname(expr, module)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("'o' + 's'", "os"),
        ("''.join(['s', 'y', 's'])", "sys"),
        ("''.join(map(chr, [111, 115]))", "os"),
        ("''.join(chr(c ^ 1) for c in [110, 114])", "os"),
        ("''.join(map(lambda c: chr(c - 1), [112, 116]))", "os"),
        ("'so'[::-1]", "os"),
        ("''.join(reversed('so'))", "os"),
        ("import base64\nbase64.b64decode('b3M=').decode()", "os"),
        ("bytes.fromhex('6f73').decode()", "os"),
        ("import codecs\ncodecs.decode('bf', 'rot13')", "os"),
        ("'%s%s' % ('o', 's')", "os"),
        ("'{}{}'.format('o', 's')", "os"),
        ("f\"{'o'}s\"", "os"),
        ("'xoxsx'.replace('x', '')", "os"),
        ("'OS'.lower()", "os"),
        ("bytes([111, 115]).decode()", "os"),
        ("a = 'o'\nb = a + 's'\nb", "os"),
        ("-(-3) << 2", 12),
        ("str(oct)[-4]", "o"),
        ("def h(s):\n    return s[::-1]\nh('so')", "os"),
        ("def h(s):\n    t = s.upper()\n    return t.lower()\nh('oS')", "os"),
        ("magic = 'os'\neval('\\x6d\\x61\\x67\\x69\\x63')", "os"),
    ],
)
def test_folds(source: str, expected: object) -> None:
    assert fold(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "'a' * 10**9",  # would allocate a gigabyte
        "1 << 10**9",
        "9 ** 10**9",
        "a = a + 'x'\na",  # self-referential
        "x = 'a'\nx = 'b'\nx",  # two assignments: unknown
        "name",  # free variable
        "'%09999999d' % 1",  # padding bomb through % formatting
        "'{:>99999999}'.format('a')",
        "open('f').read()",
        "def h(s):\n    print(s)\n    return s\nh('x')",  # not a straight-line helper
        "eval('__import__(\\'os\\').getcwd()')",
    ],
)
def test_refuses_to_fold(source: str) -> None:
    assert fold(source) is None


def test_decompression_is_bounded() -> None:
    bomb = zlib.compress(b"\0" * (MAX_LEN * 4))
    got = fold(f"import zlib\nzlib.decompress({bomb!r})")
    assert isinstance(got, bytes) and len(got) <= MAX_LEN


def test_nested_decoders() -> None:
    blob = base64.b64encode(zlib.compress(b"import os")).decode()
    assert fold(f"import zlib, base64\nzlib.decompress(base64.b64decode('{blob}'))") == b"import os"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import subprocess as sp\nsp.run", "subprocess.run"),
        ("from os import system as s\ns", "os.system"),
        ("from os import *\nsystem", "os.system"),
        ("m = __import__('o' + 's')\nm.popen", "os.popen"),
        ("import importlib\nimportlib.import_module('socket').socket", "socket.socket"),
        ("import os\ngetattr(os, 'sys' + 'tem')", "os.system"),
        ("import builtins\nbuiltins.exec", "exec"),
        ("__builtins__.__dict__['ex' + 'ec']", "exec"),
        ("vars(__builtins__)['eval']", "eval"),
        ("import sys\nsys.modules['os'].system", "os.system"),
        ("__import__('os.path').path.join", "os.path.join"),
        ("import socket\ns = socket.socket()\ns.connect", "socket.socket().connect"),
        ("def exec(x):\n    pass\nexec", None),
        ("a = b\nb = a\na", None),
    ],
)
def test_resolves(source: str, expected: str | None) -> None:
    assert qualname(source) == expected


def test_function_parameters_shadow_imports() -> None:
    tree = ast.parse("import os\ndef f(os):\n    return os.system\n")
    index = build_index(tree)
    function = next(s for s in index.scopes if s.kind == "function")
    ret = tree.body[1].body[0]  # type: ignore[attr-defined]
    assert Resolver(index.module).qualname(ret.value, function) is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("g = lambda: ''.join([chr(x) for x in [99, 117, 114, 108]])\nx = g()", "curl"),
        ("r = lambda s: s[::-1]\nx = r('hsab')", "bash"),
        ("x = (lambda a, b: a + b)('cu', 'rl')", "curl"),
        ("c = lambda: 'curl'\nx = f'{c()} -s | sh'", "curl -s | sh"),
    ],
)
def test_folds_through_lambdas_bound_once(source: str, expected: str) -> None:
    assert fold(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "g = lambda: 'a'\ng = lambda: 'b'\nx = g()",  # rebound: which one runs is not known
        "g = lambda s: s\nx = g()",  # wrong arity
        "g = lambda *a: 'x'\nx = g()",
    ],
)
def test_does_not_fold_ambiguous_lambdas(source: str) -> None:
    assert fold(source) is None
