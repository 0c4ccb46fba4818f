from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments import data_rights


class Command(BaseCommand):
    help = (
        "Delete what is older than the retention period (DATA_RETENTION_DAYS, 6 years by "
        "default): accounts nobody has signed in to since then (admins excepted), with all their "
        "assessments, answers, next steps, group memberships and invitations; other people's "
        "assessments submitted, or drafts last changed, before then; invitations whose link "
        "expired before then; and sign-in attempt records from before then. A council's last "
        "officer is kept, and named, unless --include-last-officers is given. Nothing is "
        "anonymised: it is deleted. Only says what it would delete (every row, counted by the "
        "same deletion rolled back) unless --apply is given. Run it daily or weekly from the "
        "scheduler."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply", action="store_true", help="Delete for real (without it: a dry run)."
        )
        parser.add_argument(
            "--include-last-officers",
            action="store_true",
            help=(
                "Also delete a council's last officer when their account is past the retention "
                "period, leaving the council with no officer until an admin invites one."
            ),
        )

    def handle(self, *args, apply: bool, include_last_officers: bool, **options):
        days = settings.DATA_RETENTION_DAYS
        if days < 1:
            raise CommandError("DATA_RETENTION_DAYS must be at least 1.")
        plan = data_rights.purge_plan(
            retention_days=days, include_last_officers=include_last_officers
        )
        cutoff = timezone.localtime(plan.cutoff)
        self.stdout.write(
            f"Retention period: {days} days, so everything before {cutoff:%d %B %Y %H:%M}."
        )
        if options["verbosity"] >= 2:
            for user in plan.accounts.order_by("email"):
                self.stdout.write(
                    f"  account {user.pk}: last signed in {user.last_login or 'never'}"
                )
        # Accounts are named by number only: the output goes to the scheduler's logs.
        verb = "Deleted" if apply else "Would delete"
        for officer in plan.last_officers:
            if plan.last_officers_included:
                self.stdout.write(
                    self.style.WARNING(
                        f"{verb} the last officer of {officer.council} (account {officer.pk}): "
                        "the council has no officer until an admin invites one."
                    )
                )
            else:
                self.stdout.write(
                    self.style.WARNING(
                        f"Kept account {officer.pk}, past the retention period, because it is "
                        f"the last officer of {officer.council}. An admin should invite a new "
                        "officer; then this account goes at the next run (or now, with "
                        "--include-last-officers)."
                    )
                )

        counts = data_rights.purge_apply(plan, dry_run=not apply)
        for what, count in counts.items():
            self.stdout.write(f"{verb} {count} {what}")
        if not apply:
            self.stdout.write("Dry run: nothing was deleted. Run with --apply to delete.")
