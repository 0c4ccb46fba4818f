from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assessments.models import ChecklistVersion, Council, User

DEMO_COUNCIL = {"slug": "demo-borough", "name": "Demo Borough Council"}

# (email, password, full name, role, is_staff). Listed in the README; development only.
DEMO_ACCOUNTS = [
    (
        "councillor@example.org",
        "councillor-demo-password",
        "Alex Morgan",
        User.Role.COUNCILLOR,
        False,
    ),
    ("officer@example.org", "officer-demo-password", "Jo Williams", User.Role.OFFICER, False),
    ("admin@example.org", "admin-demo-password", "Robin Admin", User.Role.OFFICER, True),
]


class Command(BaseCommand):
    help = (
        "Create the demo council and the demo councillor, officer and admin accounts listed in "
        "the README, loading the checklist first if the database has none. Refuses to run unless "
        "DEBUG is on, so demo accounts never reach production."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo accounts are only created when DEBUG is on (scripts/serve sets it). "
                "They must never exist in production."
            )
        with transaction.atomic():
            if not ChecklistVersion.objects.exists():
                call_command("loaddata", "checklist", verbosity=0)
            council, _ = Council.objects.update_or_create(
                slug=DEMO_COUNCIL["slug"], defaults={"name": DEMO_COUNCIL["name"]}
            )
            for email, password, full_name, role, is_staff in DEMO_ACCOUNTS:
                user, _ = User.objects.update_or_create(
                    email=email,
                    defaults={
                        "full_name": full_name,
                        "council": council,
                        "role": role,
                        "is_staff": is_staff,
                        "is_superuser": is_staff,
                        "is_active": True,
                    },
                )
                user.set_password(password)
                user.save(update_fields=["password"])
        self.stdout.write("Demo accounts (development only):")
        for email, password, _, role, is_staff in DEMO_ACCOUNTS:
            who = "admin" if is_staff else role
            self.stdout.write(f"  {who:<11} {email}  password: {password}")
