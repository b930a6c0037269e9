"""Benchmark: the inbox (工作台) and the managers' dashboard (看板) of a large company — 2,000
people in 50 departments under 10 divisions, 5,000 cases over the last 16 weeks in every stage,
100,000 tasks, 20,000 risks — on PostgreSQL. Reports each page's SQL queries and the median and
p95 server time (issue 8's budget: p95 under 200 ms here): while counting (nothing kept) and
within the minute the dashboard keeps its figures (ten for the KPIs).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_benchmark_insights \\
        python benchmarks/insights.py [--cases 5000] [--repeat 30]

The rows are written in bulk (as an import would), with the timeline rows the figures read.
It empties the database it is given: it refuses to run unless the database's name holds
"benchmark".
"""

import argparse
import datetime
import logging
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab_portal.settings")

DIVISIONS = 10
DEPARTMENTS_PER_DIVISION = 5
PEOPLE = 2000
WEEKS = 16
STAGES = [
    ("draft", 3),
    ("pending_review", 4),
    ("returned", 1),
    ("syncing", 4),
    ("planning", 4),
    ("breakdown", 4),
    ("executing", 40),
    ("accepting", 8),
    ("retrospective", 6),
    ("archived", 24),
    ("cancelled", 2),
]
WITH_TASKS = {"executing", "accepting", "retrospective", "archived"}


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def seed(case_count: int) -> dict:
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from acceptance_app.models import Delivery
    from cases.models import Case
    from collab_portal.activity.models import Activity
    from collab_portal.org.models import Department, User
    from requests_app.models import Receiver, Review
    from risks_app.models import Risk
    from tasks_app.models import Task

    rnd = random.Random(8)
    today = timezone.localdate()
    start = today - datetime.timedelta(weeks=WEEKS)

    def moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    company = Department.objects.create(code="BIG", name="大型集团", kind="company")
    divisions = Department.objects.bulk_create(
        Department(code=f"D{n:02d}", name=f"事业部{n:02d}", kind="division", parent=company)
        for n in range(DIVISIONS)
    )
    departments = Department.objects.bulk_create(
        Department(code=f"D{d:02d}-{n}", name=f"事业部{d:02d}·部门{n}", parent=division)
        for d, division in enumerate(divisions)
        for n in range(DEPARTMENTS_PER_DIVISION)
    )
    people = User.objects.bulk_create(
        User(
            username=f"p{n:04d}",
            display_name=f"员工{n:04d}",
            department=departments[n % len(departments)],
            email=f"p{n:04d}@example.com",
        )
        for n in range(PEOPLE)
    )
    by_department: dict[int, list] = {}
    for person in people:
        by_department.setdefault(person.department_id, []).append(person)
    for department in departments:
        department.head = by_department[department.pk][0]
    Department.objects.bulk_update(departments, ["head"])
    for n, division in enumerate(divisions):
        division.leader_in_charge = people[n * 7 + 1]  # someone of one of its departments
    Department.objects.bulk_update(divisions, ["leader_in_charge"])
    admin = User.objects.create(
        username="bench_admin",
        display_name="管理员",
        department=company,
        is_superuser=True,
        is_staff=True,
    )

    stages = [stage for stage, weight in STAGES for _ in range(weight)]
    cases = []
    for n in range(case_count):
        department = departments[n % len(departments)]
        members = by_department[department.pk]
        submitted = start + datetime.timedelta(days=rnd.randint(0, WEEKS * 7 - 10))
        stage = rnd.choice(stages)
        cases.append(
            Case(
                code=f"CR-B-{n:05d}",
                subject=f"压测需求 {n:05d}",
                goal="验证门户在大量数据下的响应时间",
                expected_deadline=submitted + datetime.timedelta(days=60),
                initiator=members[1 + n % (len(members) - 1)],
                initiator_department=department,
                initiator_role="project_liaison",
                reviewer=members[0],
                coordinator=members[2 % len(members)],
                stage=stage,
                submitted_at=None if stage == "draft" else moment(submitted),
                approved_at=None
                if stage in ("draft", "pending_review", "returned")
                else moment(submitted + datetime.timedelta(days=2)),
            )
        )
    cases = Case.objects.bulk_create(cases, batch_size=2000)
    Receiver.objects.bulk_create(
        (
            Receiver(
                request=case,
                kind="internal",
                department=departments[(n * 7 + 3) % len(departments)],
            )
            for n, case in enumerate(cases)
        ),
        batch_size=5000,
    )
    case_type = ContentType.objects.get_for_model(Case)
    activities, reviews = [], []
    for case in cases:
        if case.submitted_at is None:
            continue
        activities.append(
            Activity(
                subject_type=case_type,
                subject_id=str(case.pk),
                verb="submit",
                actor=case.initiator,
                from_state="draft",
                to_state="pending_review",
                created_at=case.submitted_at,
            )
        )
        if case.approved_at:
            reviews.append(
                Review(
                    request=case,
                    round=1,
                    reviewer=case.reviewer,
                    decision="approved",
                    goal_quantifiable=True,
                    receiver_clear=True,
                    deadline_reasonable=True,
                    decided_at=case.approved_at,
                )
            )
            activities.append(
                Activity(
                    subject_type=case_type,
                    subject_id=str(case.pk),
                    verb="approve",
                    actor=case.reviewer,
                    from_state="pending_review",
                    to_state="syncing",
                    created_at=case.approved_at,
                )
            )
    _without_auto_now(Activity, lambda: Activity.objects.bulk_create(activities, batch_size=5000))
    _without_auto_now(
        Review, lambda: Review.objects.bulk_create(reviews, batch_size=5000), "decided_at"
    )

    with_tasks = [case for case in cases if case.stage in WITH_TASKS]
    # 100,000 tasks for 5,000 cases: parents of 4 leaves each, shared by the cases with tasks
    tasks_wanted = 100_000 * len(cases) // 5000
    parents_per_case = max(1, round(tasks_wanted / max(1, len(with_tasks)) / 5))
    parents = Task.objects.bulk_create(
        (
            Task(
                request=case,
                name=f"阶段 {p}",
                wbs_code=str(p + 1),
                position=p,
                owner=case.coordinator,
                lead_department=case.initiator_department,
                is_leaf=False,
            )
            for case in with_tasks
            for p in range(parents_per_case)
        ),
        batch_size=5000,
    )
    leaves = []
    for parent in parents:
        case = parent.request
        members = by_department[case.initiator_department_id]
        begin = timezone.localdate(case.approved_at) + datetime.timedelta(days=7)
        for k in range(4):
            due = begin + datetime.timedelta(days=rnd.randint(5, 70))
            finished = case.stage != "executing" or rnd.random() < 0.5
            done_on = due + datetime.timedelta(days=rnd.randint(-5, 6))
            if done_on > today:
                finished = False
            leaves.append(
                Task(
                    request=case,
                    parent=parent,
                    name=f"任务 {k}",
                    wbs_code=f"{parent.wbs_code}.{k + 1}",
                    position=k,
                    depth=2,
                    owner=members[rnd.randrange(len(members))],
                    lead_department=case.initiator_department,
                    start_on=begin,
                    due_on=due,
                    planned_start_on=begin,
                    planned_due_on=due,
                    deliverable_standard="通过评审",
                    is_key=k == 0 and parent.position == 0,
                    status="done"
                    if finished
                    else rnd.choice(["in_progress", "not_started", "delayed"]),
                    progress=100 if finished else rnd.randint(0, 90),
                    started_at=moment(begin),
                    completed_at=moment(done_on) if finished else None,
                )
            )
    Task.objects.bulk_create(leaves, batch_size=5000)

    risky = [
        c for c in cases if c.stage not in ("draft", "pending_review", "returned", "cancelled")
    ]
    risks_wanted = 20_000 * len(cases) // 5000
    risks = []
    for n, case in enumerate(risky):
        raised = timezone.localdate(case.approved_at) + datetime.timedelta(days=3)
        # spread evenly: every case gets the same share, the first ones one more
        share = risks_wanted // len(risky) + (n < risks_wanted % len(risky))
        for k in range(share):
            resolved = case.stage == "archived" or rnd.random() < 0.5
            resolved_on = raised + datetime.timedelta(days=rnd.randint(1, 30))
            resolved = resolved and resolved_on <= today
            risks.append(
                Risk(
                    request=case,
                    number=k + 1,
                    description="接口联调可能延期",
                    category="external_delay",
                    impact=rnd.choice(["high", "medium", "low"]),
                    likelihood=rnd.choice(["high", "medium", "low"]),
                    measures="每日站会跟进",
                    deadline=raised + datetime.timedelta(days=14),
                    owner=case.coordinator,
                    raised_by=case.coordinator,
                    state="resolved" if resolved else rnd.choice(["open", "mitigating"]),
                    resolved_at=moment(resolved_on) if resolved else None,
                    created_at=moment(raised),
                )
            )
    _without_auto_now(Risk, lambda: Risk.objects.bulk_create(risks, batch_size=5000))

    deliveries = [
        Delivery(
            request=case,
            version=1,
            state="submitted" if case.stage == "accepting" else "accepted",
            prepared_by=case.coordinator,
            submitted_by=case.coordinator,
            submitted_at=case.approved_at + datetime.timedelta(days=40),
            decided_at=None
            if case.stage == "accepting"
            else case.approved_at + datetime.timedelta(days=42),
        )
        for case in cases
        if case.stage in ("accepting", "retrospective", "archived")
    ]
    Delivery.objects.bulk_create(deliveries, batch_size=5000)
    busiest = departments[0]
    return {
        "head": busiest.head,
        "staff": by_department[busiest.pk][3],
        "leader": divisions[0].leader_in_charge,
        "admin": admin,
        "division": divisions[0],
        "department": busiest,
        "counts": {
            "people": User.objects.count(),
            "cases": Case.objects.count(),
            "tasks": Task.objects.count(),
            "risks": Risk.objects.count(),
        },
    }


def _without_auto_now(model, write, field_name: str = "created_at") -> None:
    """Write rows keeping their own ``created_at`` (bulk_create stamps auto_now_add fields)."""
    field = model._meta.get_field(field_name)
    field.auto_now_add, was = False, field.auto_now_add
    try:
        write()
    finally:
        field.auto_now_add = was


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(people: dict, repeat: int) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    division, department = people["division"], people["department"]
    pages = [
        ("inbox · department head", people["head"], "/"),
        ("inbox · staff", people["staff"], "/"),
        ("inbox · leader in charge", people["leader"], "/"),
        ("inbox, other tabs' counts · head", people["head"], "/inbox/counts/?tab=waiting"),
        ("dashboard · department head", people["head"], "/dashboard/"),
        ("dashboard · leader, division", people["leader"], f"/dashboard/?department={division.pk}"),
        ("dashboard · admin, company", people["admin"], "/dashboard/?department=all"),
        ("KPIs · department head", people["head"], f"/dashboard/kpis/?department={department.pk}"),
        (
            "overdue list · head",
            people["head"],
            f"/dashboard/list/tasks/?department={department.pk}&status=overdue",
        ),
    ]
    print(
        f"\n{'page':<40}{'queries':>8}  {'counting: median':>16}{'p95 ms':>8}"
        f"  {'kept: median':>12}{'p95 ms':>8}"
    )
    for label, person, url in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(person)
        client.get(url)
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            cache.clear()
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counting, kept = [], []
        for _ in range(repeat):
            cache.clear()  # the dashboard keeps its figures a minute, the KPIs ten
            started = time.perf_counter()
            client.get(url)
            counting.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            client.get(url)
            kept.append((time.perf_counter() - started) * 1000)
        print(
            f"{label:<40}{counter.count:>8}  {statistics.median(counting):>16.1f}"
            f"{percentile(counting, 0.95):>8.1f}  {statistics.median(kept):>12.1f}"
            f"{percentile(kept, 0.95):>8.1f}"
        )


def seeded_company(case_count: int) -> dict:
    """Set Django up on the scratch database, empty it, seed ``case_count`` cases (``seed``)
    and say how fast this machine is; returns ``seed``'s people."""
    import django

    django.setup()
    # each simulated sign-in would print django-axes' four lines of login audit
    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if "benchmark" not in settings.DATABASES["default"]["NAME"]:
        sys.exit("refusing: the database's name must hold 'benchmark' (it is emptied)")
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    people = seed(case_count)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum keeps up to date
    print(f"seeded {people['counts']} in {time.perf_counter() - started:.1f} s")
    from benchmarks.load import python_loop_ms

    print(f"this machine's speed: a fixed loop of pure Python took {python_loop_ms():.0f} ms")
    return people


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    measure(seeded_company(args.cases), args.repeat)


if __name__ == "__main__":
    main()
