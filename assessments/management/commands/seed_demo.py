import datetime

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from assessments import action_plan, answering
from assessments.models import Answer, AnswerOption, Assessment, ChecklistVersion, Council, User

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
    (
        "returning-councillor@example.org",
        "returning-demo-password",
        "Sam Patel",
        User.Role.COUNCILLOR,
        False,
    ),
    ("officer@example.org", "officer-demo-password", "Jo Williams", User.Role.OFFICER, False),
    ("admin@example.org", "admin-demo-password", "Robin Admin", User.Role.OFFICER, True),
]


RETURNING_COUNCILLOR = "returning-councillor@example.org"

# The returning councillor's assessment of a year ago: answers by question code, and the next
# steps planned on some of its gaps (what, who leads, where reported), the first three focus.
LAST_YEAR_ANSWERS = {
    "encourage-creativity": "yes",
    "invite-external-challenges": "partly",
    "look-for-fresh-ideas": "yes",
    "take-calculated-risks": "partly",
    "experiment-and-learn": "not-sure",
    "celebrate-achievements": "yes",
    "united-leadership": "yes",
    "communicate-the-need": "partly",
    "listen-to-others": "yes",
    "work-cross-council": "partly",
    "move-forward-boldly": "yes",
    "agree-long-term-objectives": "yes",
    "understand-residents-concerns": "yes",
    "select-priority-areas": "not-yet",
    "ensure-innovations-attainable": "partly",
    "devote-resources": "not-yet",
    "space-to-test": "partly",
    "involve-stakeholders": "partly",
    "monitor-progress": "not-yet",
    "persist": "yes",
}
LAST_YEAR_STEPS = {
    "select-priority-areas": (
        "Agree three priority areas for major innovation at the cabinet away-day.",
        "Leader of the council",
        "Cabinet",
    ),
    "devote-resources": (
        "Ask the chief executive for a costed paper on the time and skills the priorities need.",
        "Cabinet member for resources",
        "Cabinet",
    ),
    "monitor-progress": (
        "Add a quarterly innovation update to the scrutiny committee's work programme.",
        "Chair of scrutiny",
        "Overview and scrutiny committee",
    ),
    "involve-stakeholders": (
        "Meet the trade union representatives before the next service redesign starts.",
        "Deputy leader",
        "Joint consultative committee",
    ),
}


def _seed_last_year(user: User) -> None:
    """
    A submitted assessment of a year ago with a plan, for the returning councillor, written
    through the same services as the pages (so the overview's counts stay right). Once only.
    """
    if Assessment.objects.filter(owner=user).exists():
        return
    assessment = answering.assessment_start(owner=user, from_previous=False)
    options = {o.code: o for o in AnswerOption.objects.filter(checklist=assessment.checklist)}
    for area in assessment.checklist.areas.prefetch_related("questions"):
        assessment = answering.assessment_save_area(
            assessment=assessment,
            area=area,
            answers={q: (options[LAST_YEAR_ANSWERS[q.code]], "") for q in area.questions.all()},
            revision=assessment.revision,
        )
    assessment = answering.assessment_submit(assessment=assessment, revision=assessment.revision)
    a_year_ago = timezone.now() - datetime.timedelta(days=365)
    Assessment.objects.filter(pk=assessment.pk).update(
        created_at=a_year_ago, submitted_at=a_year_ago, updated_at=a_year_ago
    )
    for index, (code, (what, lead, reported_to)) in enumerate(LAST_YEAR_STEPS.items()):
        action_plan.action_step_save(
            answer=Answer.objects.get(assessment=assessment, question__code=code),
            seen=None,
            what=what,
            lead=lead,
            due_date=(a_year_ago + datetime.timedelta(days=90 + 30 * index)).date(),
            reported_to=reported_to,
            is_focus=index < 3,
        )


class Command(BaseCommand):
    help = (
        "Create the demo council and the demo councillor, returning councillor, officer and admin "
        "accounts listed in the README (the returning councillor with an assessment and plan of "
        "a year ago), loading the checklist first if the database has none. Refuses to run "
        "unless DEBUG is on, so demo accounts never reach production."
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
            _seed_last_year(User.objects.get(email=RETURNING_COUNCILLOR))
        self.stdout.write("Demo accounts (development only):")
        for email, password, _, role, is_staff in DEMO_ACCOUNTS:
            who = "admin" if is_staff else role
            self.stdout.write(f"  {who:<11} {email}  password: {password}")
