"""
How fast the gap report renders, as HTML and as a PDF, and whether memory stays flat.

Builds a full 20-question report (a realistic mix of answers, notes and next steps, with an
earlier assessment to compare against) in an in-memory SQLite database, then renders it N
times in this one process. Run from the project root:

    SECRET_KEY=x .venv/bin/python benchmarks/report.py [N] [--memory-renders 200]

Each PDF render is a fresh one (the PDF cache is bypassed), with the report rebuilt from the
database each time as the view does.

`--scenario full-plan` measures the report issue #12 sets a page budget for instead: every one
of the 20 key actions a gap, a note of about 200 characters on each, and five next steps (the
focus actions, where the models have them).
"""

import argparse
import datetime
import io
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innovation_checklist.settings")
os.environ.setdefault("STATIC_MANIFEST", "false")

import django
from pypdf import PdfReader

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessments import exports, reports  # noqa: E402
from assessments.models import (  # noqa: E402
    ActionStep,
    Answer,
    AnswerOption,
    Assessment,
    ChecklistVersion,
    Council,
    User,
)
from tests.builders import MIXED_ANSWERS as ANSWERS  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


FULL_PLAN_NOTE = (
    "We discuss this at group meetings and in cabinet briefings, but nothing is written down "
    "yet and no one owns it. Officers suggest the budget round is the moment to raise it, with "
    "a short paper."
)
FULL_PLAN_STEPS = (
    "select-priority-areas",
    "devote-resources",
    "involve-stakeholders",
    "monitor-progress",
    "persist",
)


def build_data(scenario: str = "mixed") -> tuple[User, Assessment]:
    call_command("migrate", verbosity=0)
    call_command("loaddata", "checklist", verbosity=0)
    checklist = ChecklistVersion.objects.published()
    council = Council.objects.create(name="Northshire County Council", slug="northshire")
    user = User.objects.create_user(
        email="alex@example.org", password="x" * 20, full_name="Alex Morgan", council=council
    )
    options = {o.code: o for o in AnswerOption.objects.filter(checklist=checklist)}
    questions = list(checklist.areas.all().values_list("questions", "questions__code"))
    made = []
    full_plan = scenario == "full-plan"
    for days_ago, tweak in ((400, "not-yet"), (0, None)):
        assessment = Assessment.objects.create(
            owner=user,
            checklist=checklist,
            status=Assessment.Status.SUBMITTED,
            submitted_at=timezone.now() - datetime.timedelta(days=days_ago),
        )
        Answer.objects.bulk_create(
            Answer(
                assessment=assessment,
                question_id=question_id,
                option=options[
                    ("partly" if index % 2 else "not-yet")
                    if full_plan
                    else (tweak if tweak and code == "persist" else ANSWERS[code])
                ],
                note=(
                    FULL_PLAN_NOTE
                    if full_plan
                    else "We talk about this at group meetings, but nothing is written down yet. "
                    "Officers say the budget round is the moment to raise it."
                    if ANSWERS[code] in {"partly", "not-yet"}
                    else ""
                ),
            )
            for index, (question_id, code) in enumerate(questions)
        )
        made.append(assessment)
    current = made[-1]
    codes = (
        FULL_PLAN_STEPS
        if full_plan
        else ("devote-resources", "monitor-progress", "select-priority-areas")
    )
    # Focus actions exist from migration 0016 on; the same script measures the code before it.
    focus = {"is_focus": True} if full_plan and hasattr(ActionStep, "FOCUS_LIMIT") else {}
    for code in codes:
        ActionStep.objects.create(
            answer=Answer.objects.get(assessment=current, question__code=code),
            what="Ask the chief executive for a short paper to cabinet on what this would take.",
            lead="Leader of the council",
            due_date=timezone.localdate() + datetime.timedelta(days=90),
            reported_to="Cabinet",
            **focus,
        )
    return user, current


def timed(function, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each run. On a shared machine the CPU time is the
    steadier figure: wall time includes waiting for other processes."""
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def describe(label: str, times: tuple[list[float], list[float]]) -> str:
    wall, cpu = times
    return (
        f"{label} median {statistics.median(wall):6.1f} ms wall, "
        f"{statistics.median(cpu):6.1f} ms CPU  "
        f"(wall min {min(wall):.1f}, max {max(wall):.1f}, n={len(wall)})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="?", type=int, default=30)
    parser.add_argument("--memory-renders", type=int, default=200)
    parser.add_argument("--save", metavar="PATH", help="also write the PDF here, to look at")
    parser.add_argument(
        "--scenario",
        choices=["mixed", "full-plan"],
        default="mixed",
        help="mixed: a realistic mix (the default); full-plan: 20 gaps, 200-character notes, "
        "5 next steps",
    )
    args = parser.parse_args()

    settings.SECURE_SSL_REDIRECT = False
    settings.ALLOWED_HOSTS = ["testserver"]
    user, assessment = build_data(args.scenario)

    def render_pdf() -> bytes:
        report = reports.build_report(reports.submitted_assessments().get(pk=assessment.pk))
        return exports.render_report_pdf(report)

    client = Client()
    client.force_login(user)
    report_url = reverse("assessments:report", args=[assessment.pk])

    def render_html():
        response = client.get(report_url)
        assert response.status_code == 200, response.status_code

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    first = render_pdf()  # warm up: fonts, the stylesheet, templates
    render_html()

    pages = len(PdfReader(io.BytesIO(first)).pages)
    if args.save:
        Path(args.save).write_bytes(first)

    pdf_times = timed(render_pdf, args.runs)
    html_times = timed(render_html, args.runs)
    print(f"Full 20-question report ({args.scenario}), {pages} PDF pages, {len(first) // 1024} KB")
    print(describe("PDF ", pdf_times))
    print(describe("HTML", html_times))
    print(f"Load average: {' '.join(f'{n:.2f}' for n in os.getloadavg())} on {os.cpu_count()} CPUs")

    start_rss = rss_mb()
    checkpoints = []
    for n in range(1, args.memory_renders + 1):
        render_pdf()
        if n % 50 == 0:
            checkpoints.append(f"{n}: {rss_mb():.1f} MB")
    print(f"RSS before {args.memory_renders} more PDF renders: {start_rss:.1f} MB")
    print("RSS after  " + ", ".join(checkpoints))


if __name__ == "__main__":
    main()
