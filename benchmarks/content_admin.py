"""
How fast the admin's pages for a new edition of the checklist answer: the version page, what
changed, the publish confirmation, the preview's area page and sample report, and a key
action's history; and the comparison and the publish checks on their own.

Builds, in an in-memory SQLite database, the published checklist from the fixtures and a draft
copy of it with every key action reworded and every quote edited (the largest comparison there
can be), then requests each page N times in this one process. Run from the project root:

    SECRET_KEY=x .venv/bin/python benchmarks/content_admin.py [N]

Figures are medians, wall and CPU, with the number of SQL queries each page ran.
"""

import argparse
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

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from assessments.models import ChecklistVersion, Question, Quote, User  # noqa: E402
from assessments.version_changes import compare_versions  # noqa: E402
from assessments.versioning import checklist_copy_as_draft, checklist_publish_problems  # noqa: E402


def build_data() -> tuple[User, ChecklistVersion, ChecklistVersion, Question]:
    call_command("migrate", verbosity=0)
    call_command("loaddata", "checklist", verbosity=0)
    published = ChecklistVersion.objects.published()
    admin = User.objects.create_superuser(
        email="admin@example.org", password="benchmark-password-0123", full_name="Admin"
    )
    draft = checklist_copy_as_draft(checklist=published, copied_by=admin)
    for question in Question.objects.filter(checklist=draft):
        question.text = question.text.replace("Do you", "Do you and your colleagues")
        question.guidance += " Ask officers how it is going."
        question.save()  # one history record each, as admin saves make
    for quote in Quote.objects.filter(area__checklist=draft):
        quote.text += " (edited)"
        quote.save()
    edited = Question.objects.filter(checklist=draft).first()
    return admin, published, draft, edited


def timed(function, runs: int) -> tuple[list[float], list[float]]:
    function()  # warm caches and templates
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="?", type=int, default=30)
    runs = parser.parse_args().runs
    settings.ALLOWED_HOSTS = ["testserver"]
    logging.disable(logging.WARNING)  # sign-in lines and the static-files warning
    admin, published, draft, edited = build_data()
    client = Client()
    client.force_login(admin)
    version = "admin:assessments_checklistversion"
    pages = {
        "version page (draft)": reverse(f"{version}_change", args=[draft.pk]),
        "what changed": reverse(f"{version}_compare", args=[draft.pk]),
        "publish confirmation": reverse(f"{version}_publish", args=[draft.pk]),
        "preview: area page": reverse(f"{version}_preview_area", args=[draft.pk, "climate"]),
        "preview: sample report": reverse(f"{version}_preview_report", args=[draft.pk]),
        "key action history": reverse("admin:assessments_question_history", args=[edited.pk]),
    }
    changes = compare_versions(old=published, new=draft)
    print(f"Draft against the published version: {changes.summary()}; {runs} runs each.")
    for label, url in pages.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, secure=True)
        query_count = len(queries)  # now: the list is read from the connection's log
        assert response.status_code == 200, (label, response.status_code)
        wall, cpu = timed(lambda url=url: client.get(url, secure=True), runs)
        print(
            f"{label:<24} median {statistics.median(wall):6.1f} ms wall, "
            f"{statistics.median(cpu):6.1f} ms CPU, {query_count:2d} queries"
        )
    for label, work in {
        "compare_versions": lambda: compare_versions(old=published, new=draft),
        "publish problems": lambda: checklist_publish_problems(checklist=draft),
    }.items():
        wall, cpu = timed(work, runs)
        print(
            f"{label:<24} median {statistics.median(wall):6.1f} ms wall, "
            f"{statistics.median(cpu):6.1f} ms CPU"
        )


if __name__ == "__main__":
    main()
