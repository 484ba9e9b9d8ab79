"""Which files of a package are its own tests (capability alerts there are not listed)."""

from __future__ import annotations

import re

# Folders: test/, tests/, __tests__/, __mocks__/ anywhere in the path. Files: Jest/Mocha/Vitest
# names (x.test.js, x.spec.ts, ...), pytest names (test_x.py, x_test.py) and conftest.py.
TEST_DIRS = frozenset({"test", "tests", "__tests__", "__mocks__"})
_JS_TEST = re.compile(r"\.(?:test|spec)\.[cm]?[jt]sx?$")
_PY_TEST = re.compile(r"(?:^test_.*|.*_test|^conftest)\.py$")


def is_test_path(path: str) -> bool:
    """`tests/helpers.js`, `src/__tests__/a.js`, `lib/a.test.js`, `pkg/test_io.py`: yes;
    `lib/attest.js`, `testing.py`, `src/contest/x.js`: no."""
    if not path:
        return False
    *folders, name = path.replace("\\", "/").split("/")
    if any(folder.lower() in TEST_DIRS for folder in folders):
        return True
    return bool(_JS_TEST.search(name) or _PY_TEST.match(name))
