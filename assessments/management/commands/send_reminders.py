from django.core.management.base import BaseCommand
from django.utils import timezone

from assessments import reminders


def _plural(count: int, what: str) -> str:
    return f"{count} {what}{'s' if count != 1 else ''}"


class Command(BaseCommand):
    help = (
        "Queue one reminder email, with a calendar file, for every councillor's next step due "
        f"in the next {reminders.STEP_REMINDER_DAYS} days (today included) that has not had "
        "one for its due date; and one reminder for every member of a group collecting answers "
        "who has not submitted for it, once its answers deadline is "
        f"{reminders.GROUP_REMINDER_DAYS} days away or less (once per deadline). Only people "
        "with email reminders on; the task worker sends them. Run it once a day from the "
        "scheduler: a run missed is caught up by the next, and a second run the same day "
        "queues nothing new. Reminders to finish an assessment are sent by officers, not by "
        "this command. With --dry-run, only counts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the reminders due; queue nothing."
        )

    def handle(self, *args, dry_run: bool, **options):
        today = timezone.localdate()
        if dry_run:
            steps = len(reminders.steps_due_for_reminder(today=today))
            members = len(reminders.group_deadline_reminders_due(today=today))
            self.stdout.write(f"Would queue {_plural(steps, 'next-step reminder')}.")
            self.stdout.write(f"Would queue {_plural(members, 'group deadline reminder')}.")
            return
        steps = reminders.step_reminders_queue(today=today)
        members = reminders.group_deadline_reminders_queue(today=today)
        self.stdout.write(f"Queued {_plural(steps, 'next-step reminder')}.")
        self.stdout.write(f"Queued {_plural(members, 'group deadline reminder')}.")
