"""Benchmark: the managers' dashboard (看板) and its KPIs with far dates in the data (issue 17,
finding 4). One task due on 0001-01-02 once made /dashboard/ take 22–30 s for every manager:
counting its working days late walked ~740,000 days. The forms now refuse such dates, but old
rows (or rows written around the forms) may hold them, so this writes them straight into the
database and times the pages before and after, with nothing kept (the cache is emptied before
each request).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_benchmark_far_dates \\
        python benchmarks/far_dates.py [--cases 500] [--repeat 5]

It seeds a company as ``benchmarks/insights.py`` does (scaled to ``--cases``), and empties the
database it is given: it refuses to run unless the database's name holds "benchmark".
"""

import argparse
import datetime
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab_portal.settings")

FAR_PAST = datetime.date(1, 1, 2)
FAR_FUTURE = datetime.date(9999, 12, 31)


def pages(people: dict) -> list[tuple[str, object, str]]:
    department = people["department"]
    return [
        ("dashboard · department head", people["head"], "/dashboard/"),
        ("dashboard · admin, company", people["admin"], "/dashboard/?department=all"),
        ("KPIs · department head", people["head"], f"/dashboard/kpis/?department={department.pk}"),
        ("KPIs · admin, company", people["admin"], "/dashboard/kpis/?department=all"),
    ]


def timings(people: dict, repeat: int) -> dict[str, list[float]]:
    """Server time of each page, counted afresh each time (ms)."""
    from django.core.cache import cache
    from django.test import Client

    result = {}
    for label, person, url in pages(people):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(person)
        times = []
        for _ in range(repeat):
            cache.clear()
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        result[label] = times
    return result


def write_far_dates(people: dict) -> None:
    """Two open tasks of the head's department, dated as an old row or a direct write would
    hold them: one due on 0001-01-02 (overdue by two thousand years, a key task), one running
    until 9999-12-31."""
    from cases.models import Case
    from tasks_app.models import Task

    department = people["department"]
    case = (
        Case.objects.filter(initiator_department=department, stage="executing")
        .order_by("pk")
        .first()
    )

    def old_row(number: int, name: str, start: datetime.date, due: datetime.date, **fields):
        return Task(
            request=case,
            name=name,
            wbs_code=str(number),
            position=number,
            owner=people["staff"],
            lead_department=department,
            start_on=start,
            due_on=due,
            planned_start_on=start,
            planned_due_on=due,
            status="in_progress",
            **fields,
        )

    Task.objects.bulk_create(
        [
            old_row(98, "远古任务", datetime.date(1, 1, 1), FAR_PAST, is_key=True),
            old_row(99, "永恒任务", FAR_PAST, FAR_FUTURE),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from benchmarks.insights import seeded_company

    people = seeded_company(args.cases)
    # A year chinese-calendar does not know is warned about once: not part of the timing.
    logging.getLogger("collab_portal.calendar.workdays").setLevel(logging.ERROR)
    before = timings(people, args.repeat)
    write_far_dates(people)
    after = timings(people, args.repeat)
    print(f"\ntasks due {FAR_PAST} and {FAR_FUTURE} written into the head's department")
    print(
        f"\n{'page (nothing kept)':<32}{'without: median ms':>20}{'with far dates':>16}{'max':>9}"
    )
    for label in before:
        print(
            f"{label:<32}{statistics.median(before[label]):>20.1f}"
            f"{statistics.median(after[label]):>16.1f}{max(after[label]):>9.1f}"
        )


if __name__ == "__main__":
    main()
