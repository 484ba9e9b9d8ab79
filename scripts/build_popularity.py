"""Derive the shipped popularity lists (src/depshield/data) from the shared reference TSV files."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "src" / "depshield" / "data"

SOURCE_NOTE = """\
# Popularity lists

`npm-popular.txt` and `pypi-popular.txt` feed typosquat detection (`depshield.intel.typosquat`):
a name close to a popular one but far less popular itself is reported as `didYouMean`.

- `npm-popular.txt`: the {npm_count:,} most downloaded npm packages, most downloaded first, one
  `name<TAB>downloads a month` per line.
- `pypi-popular.txt`: the {pypi_count:,} most downloaded PyPI projects, one name per line; the
  line number is the download rank.

Source: npm registry download counts / PyPI download statistics, one day's snapshot late 2026,
from the project's shared reference data; facts (names and counts, no creative content).
Regenerate with:

    python scripts/build_popularity.py NPM_TSV PYPI_TSV

where the inputs are the shared `npm-popular.tsv` (`name`, `downloads_a_month`) and
`pypi-popular.tsv` (`name`, `download_rank`).
"""


def read_tsv(path: Path, value_column: str) -> list[tuple[str, int]]:
    """Rows of (name, value) with a header naming `value_column`; blank names are dropped."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        if reader.fieldnames is None or value_column not in reader.fieldnames:
            raise SystemExit(f"{path}: expected a tab-separated header with {value_column!r}")
        rows = []
        for row in reader:
            name = (row.get("name") or "").strip()
            if name:
                rows.append((name, int(row[value_column])))
    return rows


def write_npm(rows: list[tuple[str, int]], out: Path) -> int:
    rows = sorted(rows, key=lambda r: (-r[1], r[0]))  # most downloaded first: line = rank
    out.write_text("".join(f"{name}\t{count}\n" for name, count in rows), encoding="utf-8")
    return len(rows)


def write_pypi(rows: list[tuple[str, int]], out: Path) -> int:
    rows = sorted(rows, key=lambda r: (r[1], r[0]))
    out.write_text("".join(f"{name}\n" for name, _ in rows), encoding="utf-8")
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("npm_tsv", type=Path, help="npm-popular.tsv (name, downloads_a_month)")
    parser.add_argument("pypi_tsv", type=Path, help="pypi-popular.tsv (name, download_rank)")
    parser.add_argument("--out", type=Path, default=DATA, help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    npm_count = write_npm(read_tsv(args.npm_tsv, "downloads_a_month"), args.out / "npm-popular.txt")
    pypi_count = write_pypi(read_tsv(args.pypi_tsv, "download_rank"), args.out / "pypi-popular.txt")
    note = SOURCE_NOTE.format(npm_count=npm_count, pypi_count=pypi_count)
    (args.out / "POPULARITY-SOURCE.md").write_text(note, encoding="utf-8")
    print(f"wrote {npm_count} npm and {pypi_count} pypi names to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
