"""
Load test: N councillors at once sign in, answer the four areas, check, submit, and open the
report and its PDF (benchmarks/locustfile.py), against gunicorn as production runs it; then
every answer is checked in the database.

    SECRET_KEY=x .venv/bin/python benchmarks/load.py --users 20 --time-limit 30
    SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/load.py --users 100

It creates its own database (with a postgres:// DATABASE_URL, `innovation_load` on that server,
dropped afterwards; otherwise a temporary SQLite file, in WAL mode with IMMEDIATE transactions as
settings.py sets it), migrates it, loads the checklist, collects the static files (served by
whitenoise from compressed manifest storage, as in production) and bulk-creates the
councillors' accounts with a fast password hasher (benchmarks/load_settings.py).

gunicorn runs with `-c gunicorn.conf.py` on a free 127.0.0.1 port, DEBUG off, plain HTTP. Locust
runs headless with all N councillors started at once and stops when every journey has ended,
or after --time-limit seconds. The table gives each step's p50 and p95 in milliseconds (nearest rank, from every request); then
each answer the server acknowledged is compared with the database. A lost or wrong answer, or
an acknowledged submission that is not stored, fails the run (exit status 1), as does any
failed step.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.answering import PYTHON, free_port  # noqa: E402
from benchmarks.groups import prepare_database  # noqa: E402
from benchmarks.stack import wait_for_health  # noqa: E402

BIN = Path(PYTHON).parent
# Every councillor's password, handed to the locustfile as LOAD_PASSWORD.
PASSWORD = "load-test-password"
# Rows of the table, in journey order (the names the locustfile times its requests under).
STEPS = [
    "sign-in GET",
    "sign-in POST",
    "dashboard",
    "start POST",
    "area GET",
    "area POST",
    "check answers",
    "submit POST",
    "submitted page",
    "report",
    "PDF",
]


def verify(plans: dict[str, dict]) -> list[str]:
    """Every answer and submission the server acknowledged, compared with the database."""
    from assessments.models import Answer, Assessment

    stored: dict[str, dict] = {email: {} for email in plans}
    for email, code, option_id, note, confirmed in Answer.objects.filter(
        assessment__owner__email__in=plans
    ).values_list("assessment__owner__email", "question__code", "option_id", "note", "confirmed"):
        stored[email][code] = [option_id, note] if confirmed else None
    submitted = set(
        Assessment.objects.filter(
            owner__email__in=plans, status=Assessment.Status.SUBMITTED
        ).values_list("owner__email", flat=True)
    )
    problems = []
    for email, plan in plans.items():
        for code, expected in plan["answers"].items():
            if code not in stored[email]:
                problems.append(f"{email}: no answer to {code}")
            elif stored[email][code] != expected:
                problems.append(f"{email}: {code} is {stored[email][code]!r}, not {expected!r}")
        if plan["submitted"] and email not in submitted:
            problems.append(f"{email}: submit acknowledged but the assessment is not submitted")
    return problems


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def print_table(timings: dict[str, list], wall: float) -> int:
    """Each step's count, p50, p95 and max in milliseconds; returns the number of failed steps."""
    print(f"{'step':<16}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'failed':>8}")
    for step in STEPS:
        if rows := timings.get(step):
            times = [ms for ms, _ in rows]
            print(
                f"{step:<16}{len(rows):>6}{percentile(times, 50):>9.0f}"
                f"{percentile(times, 95):>9.0f}{max(times):>9.0f}{sum(f for _, f in rows):>8}"
            )
    requests = sum(len(rows) for rows in timings.values())
    print(f"{'all':<16}{requests:>6} requests, {requests / wall:.1f} req/s")
    return sum(failed for rows in timings.values() for _, failed in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="councillors at once (at most 500)")
    parser.add_argument("--time-limit", type=int, default=120, help="seconds, at most 600")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py)")
    args = parser.parse_args()
    if not (1 <= args.users <= 500 and 1 <= args.time_limit <= 600):
        raise SystemExit("--users must be 1-500 and --time-limit 1-600 seconds.")

    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.load_settings"
    os.environ["SESSION_COOKIE_SECURE"] = "false"  # plain HTTP: no `__Host-` cookie names
    os.environ.pop("DEBUG", None)
    work = tempfile.TemporaryDirectory(prefix="load-")
    os.environ["LOAD_STATIC_ROOT"] = str(Path(work.name) / "static")
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        os.environ.pop("DATABASE_URL", None)
    label, clean_up = prepare_database(SimpleNamespace(database="innovation_load"))

    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connections

    from assessments.models import Council, User

    gunicorn = None
    try:
        call_command("migrate", verbosity=0)
        call_command("loaddata", "checklist", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        council = Council.objects.create(name="Load Test Council", slug="load-test")
        password = make_password(PASSWORD)
        User.objects.bulk_create(
            User(
                email=f"load-{i}@example.org",
                full_name=f"Councillor {i}",
                council=council,
                password=password,
            )
            for i in range(args.users)
        )
        connections.close_all()

        port = free_port()
        env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}
        if args.workers:
            env["WEB_CONCURRENCY"] = str(args.workers)
        gunicorn = subprocess.Popen(
            [
                BIN / "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "--access-logfile=/dev/null",
                "--log-level=warning",
            ],
            env=env,
            cwd=ROOT,
        )
        wait_for_health(port, process=gunicorn)
        print(
            f"{label}; gunicorn -c gunicorn.conf.py on 127.0.0.1:{port}; {os.cpu_count()} CPUs; "
            f"{args.users} councillors, at most {args.time_limit} s"
        )

        results_file, locust_log = Path(work.name) / "results.json", Path(work.name) / "locust.log"
        started = time.perf_counter()
        subprocess.run(
            [
                BIN / "locust",
                "-f",
                ROOT / "benchmarks" / "locustfile.py",
                "--headless",
                "--host",
                f"http://127.0.0.1:{port}",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.users),
                "--run-time",
                f"{args.time_limit}s",
                "--stop-timeout",
                "10",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={**env, "LOAD_RESULTS_FILE": str(results_file), "LOAD_PASSWORD": PASSWORD},
            cwd=ROOT,
            check=False,  # locust exits 1 on any failed step; the table below says which
            stdout=locust_log.open("w"),
            stderr=subprocess.STDOUT,
        )
        wall = time.perf_counter() - started
        print(f"run: {wall:.1f} s; load average {Path('/proc/loadavg').read_text()[:14]}")
        if not results_file.exists():
            print(locust_log.read_text()[-3000:])
            raise SystemExit("locust wrote no results")
        results = json.loads(results_file.read_text())
        failed = print_table(results["timings"], wall)
        plans = results["plans"]
        problems = verify(plans)
        complete = sum(p["submitted"] for p in plans.values())
        print(
            f"journeys started {len(plans)}, submitted {complete}; failed steps {failed}; "
            f"answers checked {sum(len(p['answers']) for p in plans.values())}, "
            f"problems {len(problems)}"
        )
        for line in problems[:20]:
            print("  ", line)
        connections.close_all()
        return 1 if problems or failed else 0
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(timeout=40)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        clean_up()
        work.cleanup()


if __name__ == "__main__":
    sys.exit(main())
