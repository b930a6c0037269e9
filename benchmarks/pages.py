"""Benchmark: server time and SQL queries of the daily pages, and PDF render times, on a
seeded company with many cases. Run it with `make benchmark` (a scratch database is used).

    python benchmarks/pages.py --cases 500 --repeat 30
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab_portal.settings")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--pdf-repeat", type=int, default=10)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    database = settings.DATABASES["default"]
    if "benchmark" not in str(database["NAME"]):
        sys.exit("Refusing to run: point DATABASE_URL at a scratch database named *benchmark*.")
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", quiet_logins=True, verbosity=0, stdout=quiet)
    from benchmarks.seeding import seed_cases

    started = time.perf_counter()
    seed_cases(count=args.cases)
    print(
        f"seeded {args.cases} extra cases in {time.perf_counter() - started:.1f} s "
        f"({database['ENGINE'].rsplit('.', 1)[-1]})"
    )

    from cases.models import Case
    from collab_portal.org.models import User

    head = User.objects.get(username="chenjing")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(head)
    busiest = Case.objects.get(subject="瑞丰零售门店数字化需求调研")
    pages = {
        "工作台 /": "/",
        "我发起的 /requests/": "/requests/",
        "待我处理 /requests/waiting/": "/requests/waiting/",
        "我可查看的 /requests/all/": "/requests/all/",
        "case page": busiest.get_absolute_url(),
        "notifications": "/notifications/",
    }
    print(f"\n{'page':<28}{'queries':>8}{'median ms':>11}{'p95 ms':>9}")
    for label, url in pages.items():
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        query_count = len(queries.captured_queries)
        times = []
        for _ in range(args.repeat):
            reset_queries()
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        median, p95 = statistics.median(times), percentile(times, 0.95)
        print(f"{label:<28}{query_count:>8}{median:>11.1f}{p95:>9.1f}")

    print(f"\n{'PDF form':<28}{'median s':>10}{'max s':>8}")
    for label, url in {
        "沟通需求登记表": busiest.get_absolute_url() + "pdf/registration/",
        "信息同步记录表": busiest.get_absolute_url() + "pdf/sync/",
        "协作方案确认表": busiest.get_absolute_url() + "pdf/plan/v1/",
    }.items():
        times = []
        for _ in range(args.pdf_repeat):
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, url
        print(f"{label:<28}{statistics.median(times):>10.2f}{max(times):>8.2f}")


if __name__ == "__main__":
    main()
