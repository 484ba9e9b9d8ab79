"""Hostile inputs shared by bench/hostile.py and the tests that bound them (issue 17): generated
text only, nothing runs it."""

from __future__ import annotations

# The child's own peak RSS: VmHWM of its (post-exec) memory map. wait4's ru_maxrss would start
# from the parent's peak (Linux carries the forking process's high-water mark over exec).
HWM = (
    "import atexit, os\n"
    "def _hwm():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            open(os.environ['HWM_FILE'], 'w').write(line.split()[1])\n"
    "atexit.register(_hwm)\n"
)

SHELL = "require('child_process').exec('id');\n"  # a call the rules find at a file's start


def minified(size: int) -> str:
    """About `size` bytes of one-line, bundle-like JavaScript."""
    parts, total, i = [], 0, 0
    while total < size:
        part = f"function a{i}(b,c){{var d=b+c*{i};return c.map(function(e){{return e.x+d}})}}"
        parts.append(part)
        total += len(part) + 1
        i += 1
    return ";".join(parts)
