"""
How fast the national overview is with years of assessments behind it: read from the kept
per-council counts, beside the full scan of every submitted answer it replaced.

Fills a fresh database with councils (400 by default) and submitted assessments (100,000 on
PostgreSQL, 10,000 on SQLite; 20 answers each, a seeded random mix), from councillors of whom
about one in three has submitted twice, and ten small councils below the minimum; sets the
counts with `manage.py rebuild_overview_counts`, as after loading data by hand; checks that the
two ways give the same overview; then times each (median and 95th percentile of --runs runs,
after one warm-up). Run from the project root:

    SECRET_KEY=x .venv/bin/python benchmarks/overview.py                    # SQLite, temp file
    SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/overview.py                             # PostgreSQL

With DATABASE_URL it creates its own database (`innovation_bench_overview`, or --database) on
that server, fills it with COPY, and drops it afterwards; the database named in the URL is only
used to do that. The target: the overview in 50 ms or less at 100,000 assessments on PostgreSQL.
"""

import argparse
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innovation_checklist.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")

from benchmarks.groups import prepare_database

BATCH = 5000
SMALL_COUNCILS = 10  # two councillors each: below the minimum, so left out


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--councils", type=int, default=400)
    parser.add_argument(
        "--assessments",
        type=int,
        default=None,
        help="submitted assessments (default: 100,000 on PostgreSQL, 10,000 on SQLite)",
    )
    parser.add_argument("--runs", type=int, default=30, help="timed runs of the overview")
    parser.add_argument("--scan-runs", type=int, default=7, help="timed runs of the full scan")
    parser.add_argument("--database", default="innovation_bench_overview")
    parser.add_argument(
        "--keep", action="store_true", help="leave the filled database (PostgreSQL) afterwards"
    )
    return parser.parse_args()


def plan(args, rng):
    """Who submitted what: a list of (councillor index, council index) per assessment, and the
    council of each councillor."""
    people_councils = []
    for c in range(SMALL_COUNCILS):
        people_councils += [c, c]
    big = range(SMALL_COUNCILS, args.councils)
    assessments = [(i, c) for i, c in enumerate(people_councils)]
    # About one councillor in three submits a second time, a year on.
    while len(assessments) < args.assessments:
        person = len(people_councils)
        council = big[person % len(big)]
        people_councils.append(council)
        assessments.append((person, council))
        if rng.random() < 0.5 and len(assessments) < args.assessments:
            assessments.append((person, council))
    return people_councils, assessments


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
        Question,
        User,
    )

    call_command("migrate", verbosity=0)
    call_command("loaddata", "checklist", verbosity=0)
    checklist = ChecklistVersion.objects.published()
    questions = [q.pk for q in Question.objects.filter(area__checklist=checklist)]
    options = [o.pk for o in AnswerOption.objects.filter(checklist=checklist).order_by("order")]
    rng = random.Random(2026)
    weights = [4, 3, 2, 1]  # Yes, Partly, Not yet, Not sure
    people_councils, assessments = plan(args, rng)

    councils = [
        c.pk
        for c in Council.objects.bulk_create(
            Council(name=f"Council {i:03d}", slug=f"council-{i:03d}") for i in range(args.councils)
        )
    ]
    now = timezone.now()
    # Ids are given here, in a fresh database, so that answers can point at their assessments
    # without reading them back.
    user_rows = (
        (i + 1, f"c{i}@example.org", f"Councillor {i}", councils[c], "!", now)
        for i, c in enumerate(people_councils)
    )
    assessment_rows = (
        (n + 1, person + 1, checklist.pk, now) for n, (person, _c) in enumerate(assessments)
    )

    def answer_rows():
        for n in range(len(assessments)):
            for question, option in zip(
                questions, rng.choices(options, weights, k=len(questions)), strict=True
            ):
                yield n + 1, question, option, now

    if connection.vendor == "postgresql":
        copy_rows(
            connection,
            User,
            ["id", "email", "full_name", "council_id", "password", "date_joined"],
            user_rows,
            {
                "role": "councillor",
                "is_active": True,
                "is_staff": False,
                "is_superuser": False,
                "reminders_enabled": True,
            },
        )
        copy_rows(
            connection,
            Assessment,
            ["id", "owner_id", "checklist_id", "submitted_at"],
            assessment_rows,
            {"status": "submitted", "revision": 1, "created_at": now, "updated_at": now},
        )
        copy_rows(
            connection,
            Answer,
            ["assessment_id", "question_id", "option_id", "updated_at"],
            answer_rows(),
            {"note": "", "confirmed": True},
        )
    else:
        User.objects.bulk_create(
            (
                User(id=i, email=e, full_name=f, council_id=c, password=p, date_joined=d)
                for i, e, f, c, p, d in user_rows
            ),
            batch_size=BATCH,
        )
        Assessment.objects.bulk_create(
            (
                Assessment(
                    id=i,
                    owner_id=o,
                    checklist_id=ch,
                    status=Assessment.Status.SUBMITTED,
                    submitted_at=s,
                )
                for i, o, ch, s in assessment_rows
            ),
            batch_size=BATCH,
        )
        Answer.objects.bulk_create(
            (Answer(assessment_id=a, question_id=q, option_id=o) for a, q, o, _u in answer_rows()),
            batch_size=BATCH,
        )
    return len(people_councils)


def copy_rows(connection, model, columns, rows, constants):
    """COPY `rows` (values of `columns`) into `model`'s table, each with `constants` too."""
    names = [*columns, *constants]
    fixed = tuple(constants.values())
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # Without the foreign keys' per-row triggers (the rows are consistent as built): they
        # would otherwise check two million answers one by one. Needs a superuser, as the
        # benchmark's own database is made by one.
        cursor.execute("SET session_replication_role = replica")
        with cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, *fixed))
        # The ids were given; later inserts take the next ones.
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
        cursor.execute("SET session_replication_role = DEFAULT")


def server_cpu_seconds(connection) -> float | None:
    """CPU time used so far by this connection's PostgreSQL backend, when the server runs on
    this machine (read from /proc); None otherwise."""
    if connection.vendor != "postgresql":
        return 0.0  # SQLite runs in this process: its time is in the process's own
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(function, runs: int, connection) -> tuple[float, float, float | None]:
    """
    Median and 95th percentile (nearest rank) in ms of `runs` calls, after one warm-up; and the
    mean CPU time of a call in ms, this process's and the database server's together: what a
    call costs on a quiet machine, whatever else the machine is doing while it is measured.
    """
    function()
    times = []
    cpu_start, server_start = time.process_time(), server_cpu_seconds(connection)
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    cpu = time.process_time() - cpu_start
    server_end = server_cpu_seconds(connection)
    if server_start is None or server_end is None:
        cpu_ms = None
    else:
        cpu_ms = (cpu + server_end - server_start) * 1000 / runs
    ordered = sorted(times)
    return statistics.median(times), ordered[math.ceil(0.95 * len(ordered)) - 1], cpu_ms


def main():
    args = parse_args()
    label, clean_up = prepare_database(args)
    if args.assessments is None:
        args.assessments = 100_000 if label == "PostgreSQL" else 10_000
    import django

    django.setup()
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessments.models import Answer, CouncilAnswerCount
    from assessments.overview import national_overview, national_overview_from_answers

    try:
        start = time.perf_counter()
        people = fill(args)
        fill_seconds = time.perf_counter() - start
        start = time.perf_counter()
        call_command("rebuild_overview_counts", stdout=StringIO())
        rebuild_seconds = time.perf_counter() - start
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        answers = Answer.objects.count()
        counts = CouncilAnswerCount.objects.count()

        overview = national_overview()
        assert overview == national_overview_from_answers(), "the two overviews differ"
        assert overview.councils_excluded >= SMALL_COUNCILS, overview.councils_excluded

        print(
            f"\n{label}: {args.councils} councils, {people:,} councillors, "
            f"{args.assessments:,} submitted assessments, {answers:,} answers, "
            f"{counts:,} kept counts (filled in {fill_seconds:.0f} s, counts rebuilt in "
            f"{rebuild_seconds:.1f} s)\n"
        )
        print(
            f"{'What':<44} {'runs':>5} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>8} {'queries':>8}"
        )
        rows = [
            ("National overview, from the kept counts", national_overview, args.runs),
            (
                "Full scan of every answer (as before)",
                national_overview_from_answers,
                args.scan_runs,
            ),
        ]
        for name, function, runs in rows:
            median, p95, cpu = timed(function, runs, connection)
            with CaptureQueriesContext(connection) as queries:
                function()
            cpu_text = "-" if cpu is None else f"{cpu:.1f}"
            print(
                f"{name:<44} {runs:>5} {median:>10.1f} {p95:>8.1f} {cpu_text:>8} {len(queries):>8}"
            )
        print(
            "\nCPU ms: this process's and the database server's CPU time per call, on average:"
            "\nwhat a call costs on a quiet machine, however busy this one was. Load average: "
            + ", ".join(f"{n:.1f}" for n in os.getloadavg())
        )
    finally:
        if not args.keep:
            clean_up()


if __name__ == "__main__":
    main()
