from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules

from collab_portal.lib import demo_registry
from collab_portal.org.seeding import DEMO_LOGINS, DEMO_PASSWORD, seed_organisation


class Command(BaseCommand):
    help = "Create or refresh the demo company, people and cases. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins.")

    def handle(self, *args, quiet_logins=False, **options):
        people = seed_organisation()
        autodiscover_modules("demo_data")
        for seeder in demo_registry.seeders():
            seeder(people=people, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(people)} people."))
        if not quiet_logins:
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for username, role in DEMO_LOGINS:
                self.stdout.write(f"  {username:<14} {role}")
