"""Benchmark: the 《任务分配与跟踪表》 page (one 200-row page) and the Gantt data endpoint of a
case with a 2,000-task WBS, on the demo company. Server time through django.test.Client, SQL
query counts, and the Excel and PDF exports. Budget (issue 4): p95 under 150 ms for both.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_benchmark_tracking \\
        python benchmarks/tracking.py --tasks 2000 --repeat 30
    # again, without seeding:  python benchmarks/tracking.py --measure-only

It empties the database it is given: it refuses to run unless the database's name holds
"benchmark". ``--profile`` prints the cProfile of the tracking page's requests.

The p95 is set by Python's cyclic garbage collector: a request for 2,000 tasks keeps ~10,000
container objects alive, so every few requests one of them pays a full collection of the whole
process (~130,000 objects, 50–80 ms here). ``--gc-freeze`` shows the effect of ``gc.freeze()``
after start-up (the objects loaded at start-up are then never scanned again).
"""

import argparse
import cProfile
import datetime
import gc
import itertools
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab_portal.settings")

SUBJECT = "压测：门店数字化平台二期实施"
PHASES = [
    "需求调研",
    "方案设计",
    "系统开发",
    "接口联调",
    "测试验证",
    "试点上线",
    "全面推广",
    "培训与交接",
    "运维保障",
    "复盘总结",
]
PACKAGES = ["准备", "访谈", "设计", "实现", "评审", "修订", "验收", "归档"]
TASKS = ["资料收集", "草案编写", "内部评审", "客户确认", "问题整改", "成果提交"]
STEPS = ["分析", "执行", "自查"]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def case_in_breakdown():
    """A case registered by 卫琳 (客户服务部) for 技术部, taken through review, sync and a plan
    signed for both sides; 秦浩 coordinates."""
    from django.utils import timezone

    from cases.models import Case
    from collab_portal.org.models import Department, User
    from collab_portal.org.selectors import decider_for_department
    from requests_app import policies, services

    people = {user.username: user for user in User.objects.all()}
    today = timezone.localdate()
    case = services.request_create(
        initiator=people["weilin"],
        data=services.RegistrationData(
            subject=SUBJECT,
            goal="完成 200 家门店收银与会员系统的升级上线",
            expected_deadline=today + datetime.timedelta(days=120),
            initiator_role=Case.InitiatorRole.PROJECT_LIAISON,
            internal_departments=[Department.objects.get(code="TECH")],
            external_contacts=[],
        ),
    )
    services.request_submit(actor=people["weilin"], request=case)
    case.refresh_from_db()
    services.request_approve(
        actor=policies.review_handler(case),
        request=case,
        goal_quantifiable=True,
        receiver_clear=True,
        deadline_reasonable=True,
    )
    record = services.sync_record_add(
        actor=people["weilin"],
        request=case,
        receiver=case.receivers.get(),
        channel="dingtalk",
        sent_at=timezone.now(),
        recipients="朱明",
    )
    services.sync_acknowledge(actor=people["zhuming"], record=record)
    services.request_finish_sync(actor=people["weilin"], request=case)
    plan = services.plan_save(
        actor=people["zhuming"],
        request=case,
        data=services.PlanData(
            content="分十个阶段实施，技术部牵头，各部门配合",
            coordinator=people["qinhao"],
            milestones=[("试点上线", today + datetime.timedelta(days=60))],
        ),
    )
    services.plan_propose(actor=people["zhuming"], plan=plan)
    for side in policies.plan_sides(case):  # each head, or their delegate today
        services.plan_sign(actor=decider_for_department(side.department).person, plan=plan)
    case.refresh_from_db()
    assert case.stage == Case.Stage.BREAKDOWN, case.stage
    return case


def seed_wbs(case, *, total: int) -> None:
    """``total`` tasks, 4 levels deep (phase → package → task → step), owned across the demo
    company, then published and worked on: finished, in progress, delayed, blocked, overdue."""
    from django.utils import timezone

    from collab_portal.org.models import User
    from tasks_app import services
    from tasks_app.models import Task

    rng = random.Random(20261126)
    people = list(
        User.objects.filter(is_active=True, department__isnull=False, is_superuser=False)
        .select_related("department")
        .order_by("employee_no")
    )
    owners = itertools.cycle(people)
    today = timezone.localdate()
    origin = today - datetime.timedelta(days=60)
    made = 0
    created: list[Task] = []

    def add(parent, position, name, start, days):
        nonlocal made
        owner = next(owners)
        task = Task(
            request=case,
            parent=parent,
            position=position,
            name=name,
            owner=owner,
            lead_department=owner.department,
            start_on=start,
            due_on=start + datetime.timedelta(days=days),
            deliverable_standard=f"{name}：成果文档齐全并经负责人确认",
            is_key=position == 0 and parent is None,
            description="",
        )
        made += 1
        created.append(task)
        return task

    for p, phase in enumerate(PHASES):
        if made >= total:
            break
        phase_start = origin + datetime.timedelta(days=p * 12)
        phase_task = add(None, p, f"{phase}阶段", phase_start, 30)
        Task.objects.bulk_create([phase_task])
        packages = []
        for k, package in enumerate(PACKAGES):
            if made >= total:
                break
            packages.append(
                add(phase_task, k, f"{phase}{package}", phase_start + datetime.timedelta(k), 20)
            )
        Task.objects.bulk_create(packages)
        leaves = []
        for package_task in packages:
            for t, name in enumerate(TASKS):
                if made >= total:
                    break
                start = package_task.start_on + datetime.timedelta(days=t * 2)
                leaves.append(add(package_task, t, name, start, 6))
        Task.objects.bulk_create(leaves)
        steps = []
        for leaf in leaves:
            for s, name in enumerate(STEPS):
                if made >= total:
                    break
                steps.append(
                    add(leaf, s, f"{leaf.name}{name}", leaf.start_on + datetime.timedelta(s * 2), 2)
                )
        Task.objects.bulk_create(steps)
    # Fill up to ``total`` with more steps under the last tasks if the shape ran short.
    while made < total:
        leaf = rng.choice([t for t in created if t.parent_id and t.parent.parent_id])
        Task.objects.bulk_create([add(leaf.parent, 99, "补充事项", leaf.start_on, 2)])
    helpers = Task.collaborators.through
    helpers.objects.bulk_create(
        [
            helpers(task_id=task.pk, user_id=rng.choice(people).pk)
            for task in created
            if rng.random() < 0.4
        ],
        ignore_conflicts=True,
    )
    services.renumber(case)
    case.refresh_from_db()
    services.wbs_publish(actor=case.coordinator, request=case)

    parents = set(Task.objects.filter(request=case).exclude(parent=None).values_list("parent_id"))
    parents = {pk for (pk,) in parents}
    worked = []
    for task in Task.objects.filter(request=case).exclude(pk__in=parents):
        roll = rng.random()
        if task.due_on < today - datetime.timedelta(days=3) and roll < 0.85:
            task.complete()
            task.progress, task.last_update_on = 100, task.due_on
        elif task.start_on <= today:
            task.start()
            task.progress = rng.choice([10, 30, 50, 70, 90])
            task.last_update_on = today - datetime.timedelta(days=rng.choice([0, 0, 1, 2]))
            if roll > 0.95:
                task.report_block()
                task.status_reason = "等待门店提供测试环境"
            elif roll > 0.9:
                task.report_delay()
                task.status_reason = "供应商设备到货延迟"
                task.expected_done_on = today + datetime.timedelta(days=5)
        else:
            continue
        worked.append(task)
    Task.objects.bulk_update(
        worked, ["status", "progress", "last_update_on", "status_reason", "expected_done_on"]
    )


def measure(client, url, repeat):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    reset_queries()  # with DEBUG on, a full query log would hide the new queries
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        reset_queries()
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return len(queries.captured_queries), statistics.median(times), percentile(times, 0.95)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--pdf-repeat", type=int, default=3, help="0 skips the exports")
    parser.add_argument("--profile", action="store_true", help="cProfile the tracking page")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() before measuring, as a server worker could after loading the app",
    )
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="measure the case an earlier run seeded (the seeding run measures this way, "
        "in a fresh process like a server worker's)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    database = settings.DATABASES["default"]
    if "benchmark" not in str(database["NAME"]):
        sys.exit("Refusing to run: point DATABASE_URL at a scratch database named *benchmark*.")
    if args.measure_only:
        measure_all(args)
        return
    seed(args.tasks)
    # A fresh interpreter measures: no seeding garbage in its heap, which every full garbage
    # collection would walk through.
    command = [sys.executable, os.path.abspath(__file__), "--measure-only", *sys.argv[1:]]
    sys.exit(subprocess.run(command, check=False).returncode)


def seed(tasks: int) -> None:
    from django.conf import settings
    from django.core.management import call_command

    from tasks_app.models import Task

    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", quiet_logins=True, verbosity=0, stdout=quiet)
    started = time.perf_counter()
    case = case_in_breakdown()
    seed_wbs(case, total=tasks)
    count = Task.objects.filter(request=case).count()
    depth = max(Task.objects.filter(request=case).values_list("depth", flat=True))
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"seeded {case.code}: {count} tasks, {depth} levels, "
        f"in {time.perf_counter() - started:.1f} s ({engine})",
        flush=True,
    )


def measure_all(args) -> None:
    from django.test import Client
    from django.urls import reverse

    from cases.models import Case
    from collab_portal.org.models import User
    from tasks_app.models import Task

    case = Case.objects.filter(subject=SUBJECT).first()
    if case is None:
        sys.exit("Nothing to measure: run it once without --measure-only to seed the case.")
    count = Task.objects.filter(request=case).count()
    gc.collect()
    if args.gc_freeze:
        gc.freeze()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="chenjing"))
    tracking = reverse("tasks_app:tracking", args=[case.code])
    owner = Task.objects.filter(request=case).values_list("owner_id", flat=True).first()
    pages = {
        "tracking table, page 1": tracking,
        "tracking table, page 10": tracking + "?page=10",
        "tracking table, overdue": tracking + "?overdue=on",
        "Gantt data (JSON)": reverse("tasks_app:gantt_data", args=[case.code]),
        "Gantt page": reverse("tasks_app:gantt", args=[case.code]),
    }
    print(f"\n{'page':<28}{'queries':>8}{'median ms':>11}{'p95 ms':>9}")
    for label, url in pages.items():
        queries, median, p95 = measure(client, url, args.repeat)
        print(f"{label:<28}{queries:>8}{median:>11.1f}{p95:>9.1f}")

    if args.pdf_repeat > 0:
        print(f"\n{'export':<28}{'rows':>8}{'median s':>11}{'max s':>9}")
        exports = {
            "Excel, all tasks": (reverse("tasks_app:tracking_xlsx", args=[case.code]), count),
            "PDF, one owner's tasks": (
                reverse("tasks_app:tracking_pdf", args=[case.code]) + f"?owner={owner}",
                Task.objects.filter(request=case, owner_id=owner).count(),
            ),
            "PDF, all tasks": (reverse("tasks_app:tracking_pdf", args=[case.code]), count),
        }
        for label, (url, rows) in exports.items():
            times = []
            for _ in range(args.pdf_repeat):
                start = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - start)
                assert response.status_code == 200, url
            print(f"{label:<28}{rows:>8}{statistics.median(times):>11.2f}{max(times):>9.2f}")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(10):
            client.get(tracking)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
