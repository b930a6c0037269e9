from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules

from collab_portal.lib import demo_registry
from collab_portal.lib.broker import broker_deferred
from collab_portal.notifications.models import Notification
from collab_portal.org.seeding import DEMO_LOGINS, DEMO_PASSWORD, seed_organisation
from collab_portal.reminders.services import latest_working_evening, reminders_sweep


class Command(BaseCommand):
    help = "Create or refresh the demo company, people and cases. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins.")

    def handle(self, *args, quiet_logins=False, **options):
        last_before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
        with broker_deferred():
            people = seed_organisation()
            autodiscover_modules("demo_data")
            for seeder in demo_registry.seeders():
                seeder(people=people, stdout=self.stdout)
        # The demo's notifications are its history: their emails were "sent" long ago.
        Notification.objects.filter(
            email_state=Notification.EmailState.PENDING, pk__gt=last_before or 0
        ).update(email_state=Notification.EmailState.NOT_NEEDED)
        planned = reminders_sweep(now=latest_working_evening())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(people)} people, {sum(planned.values())} reminders due."
            )
        )
        if not quiet_logins:
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for username, role in DEMO_LOGINS:
                self.stdout.write(f"  {username:<14} {role}")
