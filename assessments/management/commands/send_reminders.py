from django.core.management.base import BaseCommand
from django.utils import timezone

from assessments import reminders


class Command(BaseCommand):
    help = (
        "Queue one reminder email, with a calendar file, for every councillor's next step due "
        f"in the next {reminders.STEP_REMINDER_DAYS} days (today included) that has not had "
        "one for its due date, for people with email reminders on; the task worker sends them. "
        "Run it once a day from the scheduler: a run missed is caught up by the next, and a "
        "second run the same day queues nothing new. Reminders to finish an assessment are "
        "sent by officers, not by this command. With --dry-run, only counts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the reminders due; queue nothing."
        )

    def handle(self, *args, dry_run: bool, **options):
        today = timezone.localdate()
        if dry_run:
            due = len(reminders.steps_due_for_reminder(today=today))
            self.stdout.write(f"Would queue {due} next-step reminder{'s' if due != 1 else ''}.")
            return
        queued = reminders.step_reminders_queue(today=today)
        self.stdout.write(f"Queued {queued} next-step reminder{'s' if queued != 1 else ''}.")
