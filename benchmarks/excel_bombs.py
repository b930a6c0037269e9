"""Benchmark (issue 17, finding 5): the Excel bombs of the attack run at full size, read the way
the imports read workbooks before the fix and through ``collab_portal.lib.spreadsheets.read_xlsx``
now. Each reading runs in a process of its own, killed after 60 s as gunicorn kills a worker;
the table gives its wall time, peak memory (the process's maximum resident set, the Python
interpreter and the file included) and outcome.

    .venv/bin/python benchmarks/excel_bombs.py            # builds the bombs under var/, reads each
    .venv/bin/python benchmarks/excel_bombs.py --only after

The bombs: a sheet declaring (and holding) 6,000,000 one-cell rows, one declaring as many and
holding 6,000 tasks (small enough to pass the size checks: the <dimension> stops it), and a
workbook whose shared strings unpack to 1.2 GB. "before, WBS" is the WBS import's old reader
(openpyxl read-only, the 5,000-task cap checked row by row), "before, org" the org import's old
reader (no cap).

Measured on this machine (2 cores) on 2026-12-08:

| bomb | packed | reader | time | peak memory | outcome |
| --- | --- | --- | --- | --- | --- |
| 6,000,000 rows | 371 KB | before, WBS | 0.14 s | 69 MB | refused after 5,001 rows |
| 6,000,000 rows | 371 KB | before, org | 60 s | 1,846 MB | still reading: worker killed, 500 |
| 6,000,000 rows | 371 KB | after | 0.00 s | 62 MB | refused: unpacks to more than 50 MB |
| declares 6,000,000, holds 6,000 | 82 KB | before, org | 0.45 s | 70 MB | read 6,001 rows |
| declares 6,000,000, holds 6,000 | 82 KB | after | 0.17 s | 67 MB | refused: more than 5,000 rows |
| 1.2 GB shared strings | 1,196 KB | before, WBS | 13.8 s | 2,487 MB | read 2 rows |
| 1.2 GB shared strings | 1,196 KB | before, org | 13.0 s | 2,488 MB | read 2 rows |
| 1.2 GB shared strings | 1,196 KB | after | 0.00 s | 63 MB | refused: unpacks to more than 50 MB |

A genuine 5,000-task WBS (2.7 MB packed, its sheet 10.7 MB unpacked at 4 to 1) reads in 1.9 s.
About 60 MB of each peak is the interpreter with Django loaded."""

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab_portal.settings")

KILLED_AFTER = 60  # gunicorn's --timeout
READERS = ["before, WBS", "before, org", "after"]


def build(folder: Path) -> dict[str, Path]:
    from tests.security import excel_bombs

    bombs = {
        "6,000,000 rows": lambda: excel_bombs.xlsx(
            (b"<row><c><v>1</v></c></row>" for _ in range(6_000_000)),
            dimension="A1:Z6000000",
        ),
        "declares 6,000,000 rows, holds 6,000": lambda: excel_bombs.declared_rows_bomb(
            declared=6_000_000, written=6_000
        ),
        "1.2 GB shared strings": lambda: excel_bombs.shared_strings_bomb(
            unpacked=1200 * 1024 * 1024
        ),
    }
    paths = {}
    for name, make in bombs.items():
        path = folder / f"bomb-{len(paths)}.xlsx"
        if not path.exists():
            path.write_bytes(make())
        paths[name] = path
    return paths


def read_before_wbs(content: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    rows = []
    for number, cells in enumerate(workbook.worksheets[0].iter_rows(values_only=True), 1):
        if number > 5001:
            return f"refused after {len(rows)} rows"
        rows.append((number, tuple(cells)))
    return f"read {len(rows)} rows"


def read_before_org(content: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    rows = [
        ["" if cell is None else str(cell).strip() for cell in row]
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]
    return f"read {len(rows)} rows"


def read_after(content: bytes) -> str:
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from collab_portal.lib.spreadsheets import read_xlsx

    with translation.override("en"):
        try:
            sheets = read_xlsx(content, max_rows=5000)
        except ValidationError as refused:
            return "refused: " + " ".join(refused.messages)
    return f"read {sum(len(sheet.rows) for sheet in sheets)} rows"


def child(path: str, reader: str) -> None:
    import resource
    import signal

    def stop(_signal, _frame):
        raise TimeoutError

    import django

    django.setup()
    content = Path(path).read_bytes()
    signal.signal(signal.SIGALRM, stop)
    signal.alarm(KILLED_AFTER)
    started = time.monotonic()
    try:
        outcome = {
            "before, WBS": read_before_wbs,
            "before, org": read_before_org,
            "after": read_after,
        }[reader](content)
    except TimeoutError:
        outcome = f"still reading at {KILLED_AFTER} s: gunicorn kills the worker, the user gets 500"
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak": peak, "outcome": outcome}))


def measure(path: Path, reader: str) -> tuple[str, str, str]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(path), reader],
        capture_output=True,
        text=True,
        timeout=KILLED_AFTER * 3,
    )
    if result.returncode:
        return ("", "", f"failed: {result.stderr.strip().splitlines()[-1]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return (f"{figures['seconds']:.2f} s", f"{figures['peak']:.0f} MB", figures["outcome"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=["before", "after"])
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    folder = ROOT / "var" / "excel-bombs"
    folder.mkdir(parents=True, exist_ok=True)
    readers = [r for r in READERS if not args.only or r.startswith(args.only)]
    print(f"| bomb | packed | reader | time | peak memory | outcome |\n|{' --- |' * 6}")
    for name, path in build(folder).items():
        size = f"{path.stat().st_size / 1024:,.0f} KB"
        for reader in readers:
            print(f"| {name} | {size} | {reader} | " + " | ".join(measure(path, reader)) + " |")


if __name__ == "__main__":
    main()
