import statistics
import time

from django.core.management.base import BaseCommand

from collab_portal.documents.rendering import harfbuzz_subset_available, render_pdf
from collab_portal.documents.specimen import specimen_context


class Command(BaseCommand):
    help = (
        "Render templates/documents/specimen.html (a 40-row table and two signatures) N times "
        "and print the median and maximum seconds per PDF."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--times", "-n", type=int, default=10, help="renders (default 10)")
        parser.add_argument("--draft", action="store_true", help="with the draft watermark")

    def handle(self, *args, times, draft, **options):
        context = specimen_context(is_draft=draft)
        seconds = []
        for _ in range(max(times, 1)):
            started = time.perf_counter()
            pdf = render_pdf(template_name="documents/specimen.html", context=context)
            seconds.append(time.perf_counter() - started)
        self.stdout.write(
            f"renders: {len(seconds)}  pdf size: {len(pdf)} bytes\n"
            f"median: {statistics.median(seconds):.3f} s  max: {max(seconds):.3f} s\n"
            f"HarfBuzz subsetting: {'yes' if harfbuzz_subset_available() else 'NO (slow path)'}"
        )
