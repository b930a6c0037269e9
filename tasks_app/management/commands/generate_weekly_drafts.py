"""Draft this week's 周报 for every executing case (the reminders schedule runs it on Fridays)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from tasks_app.services import weekly_summary_generate
from tasks_app.weeks import today


class Command(BaseCommand):
    help = (
        "Draft (or refresh the draft of) the weekly summary of the ISO week containing --date "
        "(default: today in Asia/Shanghai) for every case in stage executing. Published "
        "summaries are left as they are; running it again changes nothing but the figures."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="a day of the week to summarise, YYYY-MM-DD")

    def handle(self, *args, date=None, **options):
        day = today()
        if date:
            try:
                day = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date {date!r} is not a date like 2026-11-27") from None
            if day - datetime.timedelta(days=day.weekday()) > today():
                raise CommandError(f"the week of {day} has not begun yet")
        result = weekly_summary_generate(day=day)
        self.stdout.write(
            f"Weekly summaries for {result.iso_year}-W{result.iso_week:02d}: "
            f"{result.created} created, {result.refreshed} refreshed, "
            f"{result.kept} already published (kept)."
        )
