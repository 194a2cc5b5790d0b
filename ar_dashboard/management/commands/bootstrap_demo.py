"""`manage.py bootstrap_demo` (run by `make run`): a first-run setup that is safe to repeat.

Loads the demo company when the database holds no company at all, and creates the `admin`
superuser when none exists. Its generated password is printed once in development (DEBUG) or
with `--show-password`; otherwise it is not shown anywhere (logs of a server are read by
more people than its admins): set one with `manage.py changepassword admin`.
"""

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ar_dashboard.models import Company, Membership


class Command(BaseCommand):
    help = "Load the demo company into an empty database and create an admin user if none."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--show-password",
            action="store_true",
            help="Print the new admin's password even with DEBUG off.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if Company.objects.exists():
            self.stdout.write("Companies exist: demo not loaded.")
        else:
            call_command("load_demo", stdout=self.stdout, stderr=self.stderr)
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            return
        password = secrets.token_urlsafe(12)
        admin = users.objects.create_superuser("admin", "admin@example.com", password)
        for company in Company.objects.all():
            Membership.objects.get_or_create(
                user=admin, company=company, defaults={"role": Membership.Role.ADMIN}
            )
        if settings.DEBUG or options["show_password"]:
            self.stdout.write(
                self.style.SUCCESS(
                    "\n  Created the superuser 'admin' with password: "
                    f"{password}\n  (shown only this once; change it at /admin/)\n"
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    "\n  Created the superuser 'admin' with a random password, not shown "
                    "(DEBUG is off).\n  Set it with `manage.py changepassword admin`, or run "
                    "bootstrap_demo --show-password on a fresh database.\n"
                )
            )
