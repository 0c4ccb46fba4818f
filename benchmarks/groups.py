"""
How fast the national overview and a 60-member group report are built on a full database, and
how fast that group's officer gets the group report page and the meeting's papers.

Fills a fresh database with 400 councils, 20,000 councillors each with one submitted assessment
(400,000 answers, a seeded random mix), one council holding a 60-member group whose members
linked their assessments to it, then times each query function (the median of several runs,
after one warm-up). The group's pages are asked for as its officer asks, through Django's test
client: the report page, and each paper's download (normally a hit in the PDF cache) and its
render (what the first download after a change costs: the report, its HTML and the PDF). Run from the project root:

    SECRET_KEY=x .venv/bin/python benchmarks/groups.py                     # SQLite, temp file
    SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/groups.py                              # PostgreSQL

With DATABASE_URL it creates its own database (`innovation_bench`, or --database) on that
server, and drops it afterwards; the database named in the URL is only used to do that.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innovation_checklist.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")

BATCH = 5000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--councils", type=int, default=400)
    parser.add_argument("--assessments", type=int, default=20_000)
    parser.add_argument("--group-size", type=int, default=60)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database", default="innovation_bench")
    return parser.parse_args()


def prepare_database(args) -> tuple[str, callable]:
    """Point DATABASE_URL at a fresh database; return a label and a clean-up function."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(url)
        admin_url = urlunsplit(parts._replace(scheme="postgresql"))
        name = args.database

        def run(sql):
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(sql)

        run(f'DROP DATABASE IF EXISTS "{name}"')
        run(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))

        def clean_up():
            from django.db import connections

            connections.close_all()
            run(f'DROP DATABASE IF EXISTS "{name}"')

        return "PostgreSQL", clean_up
    handle, path = tempfile.mkstemp(prefix="innovation-bench-", suffix=".sqlite3")
    os.close(handle)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"

    def clean_up():
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)

    return "SQLite", clean_up


def fill(args):
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from assessments.models import (
        Answer,
        AnswerOption,
        Assessment,
        ChecklistVersion,
        Council,
        CouncillorGroup,
        GroupMembership,
        Question,
        User,
    )

    call_command("migrate", verbosity=0)
    call_command("loaddata", "checklist", verbosity=0)
    checklist = ChecklistVersion.objects.published()
    questions = list(Question.objects.filter(area__checklist=checklist))
    options = list(AnswerOption.objects.filter(checklist=checklist))
    rng = random.Random(2026)
    weights = [4, 3, 2, 1]  # Yes, Partly, Not yet, Not sure

    councils = Council.objects.bulk_create(
        Council(name=f"Council {i:03d}", slug=f"council-{i:03d}") for i in range(args.councils)
    )
    # The group's council has enough councillors for the group; the rest are spread evenly.
    home = councils[0]
    owners = [home] * args.group_size + [
        councils[1 + i % (len(councils) - 1)] for i in range(args.assessments - args.group_size)
    ]
    users = User.objects.bulk_create(
        (
            User(email=f"c{i}@example.org", full_name=f"Councillor {i}", council=c, password="!")
            for i, c in enumerate(owners)
        ),
        batch_size=BATCH,
    )
    group = CouncillorGroup.objects.create(council=home, name="Cabinet", checklist=checklist)
    GroupMembership.objects.bulk_create(
        GroupMembership(group=group, user=u) for u in users[: args.group_size]
    )
    now = timezone.now()
    assessments = Assessment.objects.bulk_create(
        (
            Assessment(
                owner=u,
                checklist=checklist,
                status=Assessment.Status.SUBMITTED,
                submitted_at=now,
                group=group if i < args.group_size else None,
            )
            for i, u in enumerate(users)
        ),
        batch_size=BATCH,
    )
    Answer.objects.bulk_create(
        (
            Answer(assessment=a, question=q, option=rng.choices(options, weights)[0])
            for a in assessments
            for q in questions
        ),
        batch_size=BATCH,
    )
    # bulk_create bypasses the services that keep the national overview's counts; rebuild them
    # as an install would after a bulk import.
    call_command("rebuild_overview_counts", verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return group


def group_page_rows(group, size: int) -> list[tuple[str, callable]]:
    """The group report page and the two papers, for the group's officer, with an agreed action
    on every agenda item so that the agreed plan has something to print."""
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from assessments import exports, group_reports, pdf
    from assessments.models import GroupAgreement, User

    officer = User.objects.create(
        email="officer@example.org",
        full_name="Group Officer",
        council=group.council,
        role=User.Role.OFFICER,
        password="!",
    )
    GroupAgreement.objects.bulk_create(
        GroupAgreement(
            group=group,
            question=item.row.question,
            action_what="Bring a paper to Cabinet",
            action_lead="Leader of the council",
            action_reported_to="Overview and scrutiny",
            updated_by=officer,
        )
        for item in group_reports.build_group_report(group).agenda
    )
    client = Client()
    client.force_login(officer)

    def get(name):
        url = reverse(f"assessments:{name}", args=[group.pk])

        def fetch():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return fetch

    def render(html):
        def run():
            report = group_reports.build_group_report(group)
            pdf.html_to_pdf(html(report, today=timezone.localdate()))

        return run

    return [
        (f"Group report page, {size} members", get("group_report")),
        (f"Meeting pack download (cached), {size} members", get("group_meeting_pack")),
        (f"Meeting pack render, {size} members", render(exports.meeting_pack_html)),
        (f"Agreed plan download (cached), {size} members", get("group_agreed_plan")),
        (f"Agreed plan render, {size} members", render(exports.agreed_plan_html)),
    ]


def median_ms(function, runs: int) -> tuple[float, float]:
    function()  # warm-up: connection, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main():
    args = parse_args()
    label, clean_up = prepare_database(args)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext, override_settings

    from assessments import group_reports
    from assessments.models import Answer, CouncillorGroup

    try:
        start = time.perf_counter()
        group = fill(args)
        fill_seconds = time.perf_counter() - start
        answers = Answer.objects.count()
        group = CouncillorGroup.objects.select_related("checklist", "council").get(pk=group.pk)
        # The report shows the figures recorded when the discussion starts (the counting query).
        from assessments import groups

        groups.group_set_status(group=group, status=CouncillorGroup.Status.DISCUSSION)

        rows = []
        try:
            from assessments.overview import national_overview

            overview = national_overview()
            assert overview.assessments_counted == args.assessments, overview
            rows.append(("National overview (assessments.overview)", national_overview))
        except ImportError:
            rows.append(
                (
                    "Counts per question × answer, all councils",
                    lambda: group_reports.answer_counts(
                        group_reports.Assessment.objects.filter(status="submitted")
                    ),
                )
            )
        report = group_reports.build_group_report(group)
        assert report.responses == args.group_size and report.is_shown, report.responses
        rows.append(
            (
                f"Group report, {args.group_size} members",
                lambda: group_reports.build_group_report(group),
            )
        )

        rows.extend(group_page_rows(group, args.group_size))

        print(
            f"\n{label}: {args.councils} councils, {args.assessments:,} submitted assessments, "
            f"{answers:,} answers (filled in {fill_seconds:.0f} s); median of {args.runs} runs\n"
        )
        print(f"{'What':<50} {'median ms':>10} {'max ms':>8} {'queries':>8}")
        # The test client speaks plain HTTP to "testserver", and the pages' static files are
        # not collected here.
        with override_settings(
            ALLOWED_HOSTS=["testserver"],
            SECURE_SSL_REDIRECT=False,
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ):
            for name, function in rows:
                median, worst = median_ms(function, args.runs)
                reset_queries()
                with CaptureQueriesContext(connection) as queries:
                    function()
                print(f"{name:<50} {median:>10.1f} {worst:>8.1f} {len(queries):>8}")
    finally:
        clean_up()


if __name__ == "__main__":
    main()
