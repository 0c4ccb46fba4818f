from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments import data_rights


class Command(BaseCommand):
    help = (
        "Delete what is older than the retention period (DATA_RETENTION_DAYS, 6 years by "
        "default): accounts nobody has signed in to since then (admins excepted), with all their "
        "assessments; other people's assessments submitted, or drafts last changed, before then; "
        "invitations whose link expired before then; and sign-in attempt records from before "
        "then. Nothing is anonymised: it is deleted. Only says what it would delete unless "
        "--apply is given. Run it daily or weekly from the scheduler."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply", action="store_true", help="Delete for real (without it: a dry run)."
        )

    def handle(self, *args, apply: bool, **options):
        days = settings.DATA_RETENTION_DAYS
        if days < 1:
            raise CommandError("DATA_RETENTION_DAYS must be at least 1.")
        plan = data_rights.purge_plan(retention_days=days)
        cutoff = timezone.localtime(plan.cutoff)
        self.stdout.write(
            f"Retention period: {days} days, so everything before {cutoff:%d %B %Y %H:%M}."
        )
        if options["verbosity"] >= 2:
            for user in plan.accounts.order_by("email"):
                self.stdout.write(
                    f"  account {user.pk}: last signed in {user.last_login or 'never'}"
                )

        counts = data_rights.purge_apply(plan) if apply else plan.counts()
        verb = "Deleted" if apply else "Would delete"
        for what, count in counts.items():
            self.stdout.write(f"{verb} {count} {what}")
        if not apply:
            self.stdout.write("Dry run: nothing was deleted. Run with --apply to delete.")
