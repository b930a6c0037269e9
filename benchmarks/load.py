"""Load benchmark (issue 9): a large company on PostgreSQL, served by gunicorn under production
settings over loopback, driven by 50 simulated people opening the daily pages.

    make load-benchmark                      # seeds, serves, drives, writes benchmarks/LOAD.md
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_benchmark_load \\
        .venv/bin/python benchmarks/load.py [--users 50] [--office-seconds 180] [--workers 4]

Seeds what benchmarks/insights.py seeds (2,000 people, 5,000 cases, 100,000 tasks, 20,000
risks), gives each simulated person a signed-in session, then runs two phases against the same
gunicorn:

- office load: every person opens a page, reads it for a random 1–5 s, opens the next;
- saturation: the same people with no pause at all, to find the server's throughput ceiling.

Each person's pages are the ones their role opens every day (the inbox, their tasks and cases,
the dashboard, the risk register …), each followed by what the browser then asks for by itself
(the inbox's other tab counts, the dashboard's KPIs). The report gives, per page, requests,
throughput, median / p95 / p99 latency and SQL queries, plus PDF render times and the same
figures for a view that does nothing (the yardstick: what gunicorn, the middleware and this
machine cost on their own). It empties the database it is given: it refuses to run unless the
database's name holds "benchmark".
"""

import argparse
import asyncio
import datetime
import logging
import os
import platform
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab_portal.settings")

YARDSTICK = "yardstick (a view that does nothing)"


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Person:
    role: str
    user: object
    pages: list[tuple[str, str, int]]  # (label, url, weight)
    cookie: str = ""


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    seconds: float = 0.0


# --- the people and their daily pages ------------------------------------------------------


def daily_pages(users: int) -> list[Person]:
    """Heads, leaders in charge, staff and an admin of the seeded company, each with the pages
    their role opens, weighted by how often."""
    from django.db.models import Q

    from cases.models import Case
    from collab_portal.org.models import Department, User
    from tasks_app.models import Task

    def case_pages(case: Case) -> list[tuple[str, str, int]]:
        url = case.get_absolute_url()
        return [("case page", url, 2), ("case tracking", f"{url}tracking/", 1)]

    people: list[Person] = []
    divisions = list(Department.objects.filter(kind="division").select_related("leader_in_charge"))
    departments = list(
        Department.objects.filter(parent__in=divisions).select_related("head").order_by("code")
    )
    heads = max(1, users // 5)
    leaders = max(1, users // 10)

    def manager(role: str, person, cases_of: dict, pages: list[tuple[str, str, int]]) -> Person:
        """A head or leader in charge: their pages, then an executing case of theirs."""
        case = Case.objects.filter(stage="executing", **cases_of).first()
        return Person(role, person, [*pages, ("risk register", "/risks/", 1), *case_pages(case)])

    for department in departments[:heads]:
        people.append(
            manager(
                "head",
                department.head,
                {"initiator_department": department},
                [
                    ("inbox", "/", 4),
                    ("dashboard, department", f"/dashboard/?department={department.pk}", 2),
                    (
                        "overdue list",
                        f"/dashboard/list/tasks/?department={department.pk}&status=overdue",
                        1,
                    ),
                    ("all requests", "/requests/all/", 1),
                ],
            )
        )
    for division in divisions[:leaders]:
        people.append(
            manager(
                "leader in charge",
                division.leader_in_charge,
                {"initiator_department__parent": division},
                [
                    ("inbox", "/", 3),
                    ("dashboard, division", f"/dashboard/?department={division.pk}", 2),
                ],
            )
        )
    admin = User.objects.get(username="bench_admin")
    people.append(
        Person(
            "admin",
            admin,
            [("dashboard, company", "/dashboard/?department=all", 2), ("inbox", "/", 1)],
        )
    )
    taken = {person.user.pk for person in people}
    owners = (
        Task.objects.filter(request__stage="executing", is_leaf=True)
        .exclude(Q(owner=None) | Q(owner__in=taken))
        .values_list("owner", flat=True)
        .distinct()
    )
    for owner_id in list(owners[: users - len(people)]):
        user = User.objects.get(pk=owner_id)
        task = (
            Task.objects.filter(owner=user, is_leaf=True, request__stage="executing")
            .select_related("request")
            .first()
        )
        people.append(
            Person(
                "staff",
                user,
                [
                    ("inbox", "/", 4),
                    ("my tasks", "/tasks/mine/", 2),
                    ("task page", f"{task.request.get_absolute_url()}tasks/{task.pk}/", 2),
                    ("my requests", "/requests/", 1),
                    ("notifications", "/notifications/", 1),
                    *case_pages(task.request),
                ],
            )
        )
    for person in people:
        person.pages.append((YARDSTICK, "/__yardstick/", 1))
    return people[:users]


def sign_in(people: list[Person], cookie_name: str) -> None:
    """A session for each person in the database gunicorn reads (as signing in would)."""
    from django.test import Client

    for person in people:
        client = Client()
        client.force_login(person.user)
        person.cookie = f"{cookie_name}={client.session.session_key}"


def query_counts(people: list[Person]) -> dict[str, int]:
    """SQL queries of each page, for the first person who opens it (in this process)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, int] = {}
    for person in people:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(person.user)
        for label, url, _weight in person.pages:
            if label in counts or label == YARDSTICK:
                continue
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code} for {person.user}")
            counts[label] = len(queries.captured_queries)
            then = follow_up(label, url)
            if then and then[0] not in counts:
                with CaptureQueriesContext(connection) as queries:
                    client.get(then[1], HTTP_HX_REQUEST="true")
                counts[then[0]] = len(queries.captured_queries)
    return counts


# --- the server ----------------------------------------------------------------------------


def python_loop_ms() -> float:
    """How long this machine takes for a fixed piece of pure Python (median of 5): runs on
    different days or machines compare by it, as the pages' times move with it."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        sum(number * number for number in range(1_000_000))
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(database_url: str, static_root: str) -> dict[str, str]:
    env = dict(os.environ)  # holds the secret key this process signed the sessions with
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="collab_portal.settings",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        CACHE_URL=os.environ.get("LOAD_CACHE_URL", "redis://127.0.0.1:6379/9"),
        STATIC_ROOT=static_root,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def gunicorn_command(port: int, workers: int, threads: int) -> list[str]:
    """gunicorn as the image runs it (timeout, worker recycling), on loopback."""
    return [
        str(Path(sys.executable).with_name("gunicorn")),
        "benchmarks.load_wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        "60",
        "--max-requests",
        "1000",
        "--max-requests-jitter",
        "100",
        "--log-level",
        "warning",
    ]


def start_gunicorn(env: dict, port: int, workers: int, threads: int) -> subprocess.Popen:
    server = subprocess.Popen(gunicorn_command(port, workers, threads), env=env, cwd=ROOT)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 30 s")


def follow_up(label: str, url: str) -> tuple[str, str] | None:
    """The request a browser makes by itself once the page is up (htmx ``hx-trigger=load``):
    the inbox's other tab counts, the dashboard's KPIs."""
    if label == "inbox":
        return "inbox: other tabs' counts (htmx)", "/inbox/counts/?tab=waiting"
    if url.startswith("/dashboard/?"):
        return "dashboard: KPIs (htmx)", url.replace("/dashboard/?", "/dashboard/kpis/?", 1)
    return None


async def fetch(port: int, url: str, cookie: str, *, htmx: bool = False) -> tuple[int, int]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            f"GET {url} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
            f"Accept-Language: zh-hans\r\nCookie: {cookie}\r\nConnection: close\r\n"
            + ("HX-Request: true\r\n" if htmx else "")
            + "\r\n"
        ).encode()
    )
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = int(data.split(b" ", 2)[1]) if data else 0
    return status, len(data)


async def drive(
    people: list[Person], port: int, seconds: float, think: tuple[float, float], seed: int
) -> Results:
    results = Results()
    deadline = time.perf_counter() + seconds

    async def timed(label: str, url: str, cookie: str, *, htmx: bool = False):
        started = time.perf_counter()
        try:
            status, _size = await fetch(port, url, cookie, htmx=htmx)
        except OSError as error:
            status = f"{error}"
        elapsed = (time.perf_counter() - started) * 1000
        if status == 200:
            results.latencies[label].append(elapsed)
        else:
            results.errors[label].append(f"{url} → {status}")

    async def one_person(person: Person, rnd: random.Random):
        labels = [(label, url) for label, url, weight in person.pages for _ in range(weight)]
        await asyncio.sleep(rnd.uniform(0, think[1] or 0.5))  # people do not start in step
        while time.perf_counter() < deadline:
            label, url = rnd.choice(labels)
            await timed(label, url, person.cookie)
            then = follow_up(label, url)
            if then:
                await timed(*then, person.cookie, htmx=True)
            if think[1]:
                await asyncio.sleep(rnd.uniform(*think))

    started = time.perf_counter()
    await asyncio.gather(
        *(one_person(person, random.Random(seed + n)) for n, person in enumerate(people))
    )
    results.seconds = time.perf_counter() - started
    return results


def pdf_times(port: int, person: Person, urls: dict[str, str], repeat: int) -> list[tuple]:
    rows = []
    for label, url in urls.items():
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            status, size = asyncio.run(fetch(port, url, person.cookie))
            times.append(time.perf_counter() - started)
            if status != 200:
                raise SystemExit(f"{url} answered {status}")
        rows.append((label, statistics.median(times), max(times), size))
    return rows


# --- the report ----------------------------------------------------------------------------


def phase_table(results: Results, counts: dict[str, int], budget_ms: float) -> list[str]:
    lines = [
        "| page | requests | req/s | median ms | p95 ms | p99 ms | queries | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    everything = []
    for label in sorted(results.latencies, key=lambda name: (name == YARDSTICK, name)):
        times = results.latencies[label]
        everything.extend(times)
        p95 = percentile(times, 0.95)
        flag = " ⚠" if p95 >= budget_ms and label != YARDSTICK else ""
        lines.append(
            f"| {label} | {len(times)} | {len(times) / results.seconds:.1f} | "
            f"{statistics.median(times):.0f} | {p95:.0f}{flag} | {percentile(times, 0.99):.0f} | "
            f"{counts.get(label, '—')} | {len(results.errors.get(label, []))} |"
        )
    errors = sum(len(found) for found in results.errors.values())
    lines.append(
        f"| **all pages** | {len(everything)} | {len(everything) / results.seconds:.1f} | "
        f"{statistics.median(everything):.0f} | {percentile(everything, 0.95):.0f} | "
        f"{percentile(everything, 0.99):.0f} | | {errors} |"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--users", type=int, default=50)
    # Long enough that even the rarer pages (the risk register, the dashboards) have about a
    # hundred samples: their p95 is not decided by two or three slow requests.
    parser.add_argument("--office-seconds", type=float, default=180, help="office load phase")
    parser.add_argument("--saturation-seconds", type=float, default=60, help="no-pause phase")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 5.0), metavar=("MIN", "MAX"))
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--budget", type=float, default=200, help="p95 budget in ms")
    parser.add_argument("--pdf-repeat", type=int, default=5)
    parser.add_argument("--report", type=Path, help="also write the report (Markdown) here")
    parser.add_argument("--no-seed", action="store_true", help="reuse the seeded database")
    args = parser.parse_args()

    import django

    os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)  # shared with gunicorn
    django.setup()
    # each simulated sign-in would print django-axes' four lines of login audit
    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    database = settings.DATABASES["default"]
    if "benchmark" not in str(database["NAME"]) or "postgresql" not in database["ENGINE"]:
        sys.exit("refusing: DATABASE_URL must name a PostgreSQL database named *benchmark*")
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    call_command("migrate", verbosity=0)
    if not args.no_seed:
        from benchmarks.insights import seed

        call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        counts = seed(args.cases)["counts"]
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"seeded {counts} in {time.perf_counter() - started:.0f} s", flush=True)
    from cases.models import Case
    from collab_portal.org.models import User
    from risks_app.models import Risk
    from tasks_app.models import Task

    seeded = {
        "people": User.objects.count(),
        "cases": Case.objects.count(),
        "tasks": Task.objects.count(),
        "risks": Risk.objects.count(),
    }
    people = daily_pages(args.users)
    counts = query_counts(people)

    static_root = tempfile.mkdtemp(prefix="collab-load-static-")
    env = server_environment(os.environ["DATABASE_URL"], static_root)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    cookie_name = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SESSION_COOKIE_NAME)",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    sign_in(people, cookie_name)
    connection.close()

    loop_ms = python_loop_ms()
    port = free_port()
    server = start_gunicorn(env, port, args.workers, args.threads)
    try:
        # warm every worker: imports, URLconf, templates, the first connection
        asyncio.run(drive(people, port, 10, (0.0, 0.0), seed=1))
        office = asyncio.run(drive(people, port, args.office_seconds, tuple(args.think), seed=2))
        saturation = asyncio.run(drive(people, port, args.saturation_seconds, (0.0, 0.0), seed=3))
        head = next(person for person in people if person.role == "head")
        case_url = next(url for label, url, _w in head.pages if label == "case page")
        department = head.pages[1][1].split("=", 1)[1]
        pdfs = pdf_times(
            port,
            head,
            {
                "沟通需求登记表 (registration form)": f"{case_url}pdf/registration/",
                "任务跟踪表 (tracking, one case)": f"{case_url}tracking.pdf",
                "风险登记表 (risk register, one case)": f"{case_url}risks.pdf",
                "周报 (weekly dashboard, department)": (
                    f"/dashboard/weekly.pdf?department={department}"
                ),
            },
            args.pdf_repeat,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(static_root, ignore_errors=True)

    roles = defaultdict(int)
    for person in people:
        roles[person.role] += 1
    report = [
        "# Load benchmark",
        "",
        f"Run {datetime.datetime.now():%Y-%m-%d %H:%M} on {platform.node()}: "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL on the same "
        f"machine; gunicorn {args.workers} workers × {args.threads} thread(s), production "
        f"settings, over loopback. This machine's speed: a fixed loop of pure Python took "
        f"{loop_ms:.0f} ms (compare runs by it).",
        "",
        f"Data: {seeded['people']:,} people, {seeded['cases']:,} cases, {seeded['tasks']:,} tasks, "
        f"{seeded['risks']:,} risks. People: "
        + ", ".join(f"{count} {role}" for role, count in roles.items())
        + ".",
        "",
        "Reproduce: `make load-benchmark` (seeds the scratch database `collab_benchmark_load`, "
        f"about 2 minutes plus the two phases, {args.office_seconds:.0f} s and "
        f"{args.saturation_seconds:.0f} s), or `python benchmarks/load.py --help`.",
        "",
        f"## Office load: {len(people)} people, each reading a page {args.think[0]:g}–"
        f"{args.think[1]:g} s before the next ({args.office_seconds:.0f} s)",
        "",
        *phase_table(office, counts, args.budget),
        "",
        f"## Saturation: the same {len(people)} people with no pause "
        f"({args.saturation_seconds:.0f} s)",
        "",
        "The ceiling of this machine, not a working day: every request waits for the ones ahead "
        "of it.",
        "",
        *phase_table(saturation, counts, args.budget),
        "",
        "## PDF render times (one at a time, over HTTP)",
        "",
        "| document | median s | max s | size KB |",
        "|---|---:|---:|---:|",
        *(
            f"| {label} | {median:.2f} | {longest:.2f} | {size / 1024:.0f} |"
            for label, median, longest, size in pdfs
        ),
        "",
    ]
    failures = {label: found[:3] for label, found in {**office.errors}.items() if found}
    if failures:
        report += ["## Errors under office load", "", *(f"- {k}: {v}" for k, v in failures.items())]
    text = "\n".join(report) + "\n"
    print(text)
    if args.report:
        args.report.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
