"""Benchmark: the reminder sweep over N open tasks (issue 7's budget: 100,000 in under 3 s).
Time and SQL queries of one ``reminders_sweep`` — the first (which writes the reminders) and a
repeat (which finds them planned) — at a working-day 17:30, when every task rule is due.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_benchmark_reminders \\
        python benchmarks/reminders.py --tasks 100000

It empties the database it is given: it refuses to run unless the database's name holds
"benchmark".
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab_portal.settings")

OWNERS = 200
CASES = 50
WORKING_DAY_EVENING = datetime.datetime(2026, 11, 26, 17, 30)  # a Thursday


def seed(task_count: int) -> None:
    from django.utils import timezone

    from cases.models import Case
    from collab_portal.org.models import Department, User
    from requests_app.models import Receiver
    from tasks_app.models import Task

    today = timezone.localdate(timezone.make_aware(WORKING_DAY_EVENING))
    company = Department.objects.create(code="BENCH", name="压测公司", kind="company")
    tech = Department.objects.create(code="BTECH", name="压测技术部", parent=company)
    leader = User.objects.create(username="bench_leader", display_name="压测领导")
    company.leader_in_charge = leader
    company.save()
    owners = User.objects.bulk_create(
        User(username=f"bench_{n}", display_name=f"负责人{n}", department=tech)
        for n in range(OWNERS)
    )
    cases = [
        Case.objects.create(
            code=f"CR-2026-{9000 + n}",
            subject=f"压测需求 {n}",
            goal="压测",
            expected_deadline=today + datetime.timedelta(days=90),
            initiator=owners[n % OWNERS],
            initiator_department=tech,
            initiator_role="project_liaison",
            coordinator=owners[(n + 1) % OWNERS],
            stage="executing",
        )
        for n in range(CASES)
    ]
    Receiver.objects.bulk_create(
        Receiver(request=case, kind="internal", department=tech) for case in cases
    )
    Task.objects.bulk_create(
        (
            Task(
                request=cases[n % CASES],
                name=f"任务 {n}",
                wbs_code=str(n),
                owner=owners[n % OWNERS],
                lead_department=tech,
                start_on=today - datetime.timedelta(days=20),
                due_on=today + datetime.timedelta(days=(n % 40) - 20),
                planned_due_on=today + datetime.timedelta(days=(n % 40) - 20),
                is_key=n % 8 == 2,  # one in eight; some of them 2 working days overdue
                status="in_progress",
            )
            for n in range(task_count)
        ),
        batch_size=5000,
    )


def measure() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from collab_portal.reminders.models import Reminder
    from collab_portal.reminders.services import reminders_sweep

    # A worker has its URLconf loaded after its first task; importing every app's urls costs
    # about 1.5 s once per process, which is not the sweep's.
    reverse("dashboard:home")
    # The statistics autovacuum keeps: without them PostgreSQL plans for empty tables.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    now = timezone.make_aware(WORKING_DAY_EVENING)
    for label in ("first sweep", "repeat sweep"):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            offered = reminders_sweep(now=now)
            elapsed = time.perf_counter() - started
        print(
            f"{label}: {elapsed:.2f} s, {len(queries)} queries, "
            f"{sum(offered.values())} reminders offered ({offered}), "
            f"{Reminder.objects.count()} in the log"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if "benchmark" not in settings.DATABASES["default"]["NAME"]:
        sys.exit("refusing: the database's name must hold 'benchmark' (it is emptied)")
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    seed(args.tasks)
    print(f"seeded {args.tasks} open tasks in {time.perf_counter() - started:.1f} s")
    measure()


if __name__ == "__main__":
    main()
