"""
Load test: N councillors at once sign in, answer the four areas, submit, and open the report and
its PDF, against gunicorn as production runs it; then every answer is checked in the database.

    SECRET_KEY=x .venv/bin/python benchmarks/load.py --database postgres --users 20,100
    SECRET_KEY=x .venv/bin/python benchmarks/load.py --database sqlite --users 20,100

It creates its own database (PostgreSQL: `innovation_load` on postgres://postgres@127.0.0.1:5432,
or DATABASE_URL's server if that is a postgres:// URL, dropped afterwards; SQLite: a temporary
file, in WAL mode with IMMEDIATE transactions as settings.py sets it), migrates it, loads the
checklist, collects the static files into a temporary STATIC_ROOT (served by whitenoise from
compressed manifest storage, as in production) and bulk-creates the councillors' accounts, with
a fast (MD5) password hasher for this benchmark only: see benchmarks/load_settings.py.

gunicorn runs with `-c gunicorn.conf.py` (sync workers, 2 × CPUs + 1 unless --workers, its
timeout and max-requests recycling), on a free 127.0.0.1 port, DEBUG off, plain HTTP (so the
cookies are `sessionid` and `csrftoken`, as in benchmarks/answering.py), access log discarded.

Each simulated councillor is a thread with its own cookie jar and one connection per request
(sync workers close it after each response): GET sign-in (and the page's CSS and JavaScript,
once, as a browser with a cache would), POST sign-in, GET the dashboard, POST "Start a new
assessment", then for each of the four areas GET the page and POST an answer to every question
with a note ("Save and continue": field names, option values and the hidden revision parsed from
the page), GET "Check your answers", POST submit, GET the submitted assessment it redirects to,
GET the report and GET the PDF. There is no think time unless --think: every councillor has a
request in flight all the time, so N councillors is N concurrent requests, a far heavier load
than N people reading and typing. A warm-up round (results not counted) first lets every worker
load its templates and WeasyPrint's fonts.

An error is a failed connection, a status other than the expected one, a redirect somewhere else
than the journey's next page, or a PDF that is not a PDF; the councillor's journey stops there.
The run stops by itself after --time-limit seconds per level.
"""

import argparse
import http.client
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.answering import PYTHON, free_port  # noqa: E402
from benchmarks.groups import prepare_database  # noqa: E402

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PASSWORD = "load-test-password"
AREA_COUNT = 4
QUESTION_COUNT = 20

# Rows of the table, in journey order.
PAGES = [
    "sign-in GET",
    "static file",
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

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REVISION_RE = re.compile(r'name="revision" value="(\d+)"')
RADIO_RE = re.compile(r'<input[^>]*\bname="([a-z0-9-]+)" type="radio" value="([^"]+)"')
ASSET_RE = re.compile(r'<(?:link rel="stylesheet" href|script[^>]* src)="(/static/[^"]+)"')
AREA_PATH_RE = re.compile(r"^/assessments/(\d+)/areas/([a-z0-9-]+)/$")


class JourneyError(Exception):
    pass


class Browser:
    """One councillor's browser: a cookie jar, and every request timed and checked."""

    def __init__(self, port: int, timeout: float, deadline: float, results: list):
        self.port = port
        self.timeout = timeout
        self.deadline = deadline
        self.results = results  # (page, seconds, error or None); list.append is thread-safe
        self.cookies: dict[str, str] = {}

    def request(self, page, method, path, *, form=None, expect=200, location=None):
        """Send one request; fail the journey unless the status (and redirect) is as expected."""
        if time.monotonic() > self.deadline:
            raise JourneyError("time limit reached")
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                conn.request(method, path, body, headers)
                response = conn.getresponse()
                content = response.read()
            finally:
                conn.close()
        except (OSError, http.client.HTTPException) as error:
            self.fail(page, time.perf_counter() - started, f"{type(error).__name__}: {error}")
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""') or "max-age=0" in header.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        where = response.headers.get("Location", "")
        if response.status != expect:
            self.fail(page, elapsed, f"{method} {path}: {response.status} {where}".rstrip())
        if location is not None and not re.fullmatch(location, where):
            self.fail(page, elapsed, f"{method} {path}: redirected to {where!r}")
        self.results.append((page, elapsed, None))
        return response, content, where

    def fail(self, page, elapsed, message):
        self.results.append((page, elapsed, message))
        raise JourneyError(message)

    def get_html(self, page, path):
        return self.request(page, "GET", path)[1].decode()


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    if not match:
        raise JourneyError("no CSRF token on the page")
    return match[1]


def councillor(number, email, browser, plan, think, fetched_assets):
    """One councillor's whole journey. `plan` receives every answer the server acknowledged."""

    def pause():
        if think:
            time.sleep(random.uniform(0, think))

    html = browser.get_html("sign-in GET", "/sign-in/")
    for asset in ASSET_RE.findall(html):  # a browser's cache: once per councillor
        if asset not in fetched_assets:
            browser.request("static file", "GET", asset)
            fetched_assets.add(asset)
    pause()
    browser.request(
        "sign-in POST",
        "POST",
        "/sign-in/",
        form={"csrfmiddlewaretoken": csrf_token(html), "email": email, "password": PASSWORD},
        expect=302,
        location="/dashboard/",
    )
    html = browser.get_html("dashboard", "/dashboard/")
    pause()
    *_, path = browser.request(
        "start POST",
        "POST",
        "/assessments/start/",
        form={"csrfmiddlewaretoken": csrf_token(html)},
        expect=302,
        location=AREA_PATH_RE.pattern[1:-1],
    )
    pk = AREA_PATH_RE.match(path)[1]
    area_pattern = rf"/assessments/{pk}/areas/[a-z0-9-]+/"
    check_path = f"/assessments/{pk}/check/"
    for n in range(AREA_COUNT):
        html = browser.get_html("area GET", path)
        options = defaultdict(list)
        for name, value in RADIO_RE.findall(html):
            options[name].append(value)
        revision = REVISION_RE.search(html)
        if not options or not revision:
            raise JourneyError(f"GET {path}: no questions or no revision on the page")
        form = {"csrfmiddlewaretoken": csrf_token(html), "revision": revision[1]}
        answers = {}
        for q, (code, values) in enumerate(options.items()):
            option = values[(number * 7 + n * 5 + q) % len(values)]
            # Varied notes, with a quote, an ampersand and a line break as people type them.
            note = f"Councillor {number} on “{code}” & co:\r\nwe do this {'well ' * (q + n)}now."
            form[code] = option
            form[f"{code}-note"] = note
            answers[code] = (int(option), note.replace("\r\n", "\n"))
        form["after"] = "continue"
        pause()
        last = n == AREA_COUNT - 1
        *_, path = browser.request(
            "area POST",
            "POST",
            path,
            form=form,
            expect=302,
            location=re.escape(check_path) if last else area_pattern,
        )
        plan.update(answers)
    html = browser.get_html("check answers", check_path)
    revision = REVISION_RE.search(html)
    if not revision or f"/assessments/{pk}/submit/" not in html:
        raise JourneyError(f"GET {check_path}: no submit form")
    pause()
    browser.request(
        "submit POST",
        "POST",
        f"/assessments/{pk}/submit/",
        form={"csrfmiddlewaretoken": csrf_token(html), "revision": revision[1]},
        expect=302,
        location=f"/assessments/{pk}/",
    )
    plan["submitted"] = True
    browser.request("submitted page", "GET", f"/assessments/{pk}/")
    pause()
    browser.request("report", "GET", f"/assessments/{pk}/report/")
    response, content, _ = browser.request("PDF", "GET", f"/assessments/{pk}/report/pdf/")
    if response.headers.get("Content-Type") != "application/pdf" or not content.startswith(b"%PDF"):
        browser.fail("PDF", 0, f"GET /assessments/{pk}/report/pdf/: not a PDF")


def run_level(port, emails, args):
    """All councillors at once; returns the timings, the journeys' failures and the plans."""
    results: list = []
    plans = [{} for _ in emails]
    failures: list[str] = []
    start_together = threading.Barrier(len(emails))
    deadline = time.monotonic() + args.time_limit

    def one(i):
        browser = Browser(port, args.timeout, deadline, results)
        start_together.wait()
        try:
            councillor(i, emails[i], browser, plans[i], args.think, set())
        except JourneyError as error:
            failures.append(f"{emails[i]}: {error}")

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(len(emails))]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic() + args.timeout + 5))
    wall = time.perf_counter() - started
    if any(thread.is_alive() for thread in threads):
        failures.append("some councillors were still waiting for a response at the time limit")
    return results, failures, plans, wall


def verify(emails, plans):
    """Compare the database with what the server acknowledged; returns the shortfalls."""
    from assessments.models import Answer, Assessment

    stored = defaultdict(dict)
    for email, code, option_id, note, confirmed in Answer.objects.filter(
        assessment__owner__email__in=emails
    ).values_list("assessment__owner__email", "question__code", "option_id", "note", "confirmed"):
        stored[email][code] = (option_id, note) if confirmed else None
    submitted = set(
        Assessment.objects.filter(
            owner__email__in=emails, status=Assessment.Status.SUBMITTED
        ).values_list("owner__email", flat=True)
    )
    lost = wrong = not_submitted = complete = 0
    problems = []
    for email, plan in zip(emails, plans, strict=True):
        answers = {k: v for k, v in plan.items() if k != "submitted"}
        for code, expected in answers.items():
            if code not in stored[email]:
                lost += 1
                problems.append(f"{email}: no answer to {code}")
            elif stored[email][code] != expected:
                wrong += 1
                problems.append(f"{email}: {code} is {stored[email][code]!r}, not {expected!r}")
        if plan.get("submitted") and email not in submitted:
            not_submitted += 1
            problems.append(f"{email}: submit acknowledged but the assessment is not submitted")
        if (
            email in submitted
            and len(stored[email]) == QUESTION_COUNT
            and all(stored[email].get(c) == v for c, v in answers.items())
            and len(answers) == QUESTION_COUNT
        ):
            complete += 1
    return {
        "lost": lost,
        "wrong": wrong,
        "not_submitted": not_submitted,
        "complete": complete,
        "problems": problems,
    }


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))] * 1000


def summarise(label, users, results, failures, checked, wall):
    by_page = defaultdict(list)
    errors = defaultdict(int)
    for page, seconds, error in results:
        by_page[page].append(seconds)
        if error:
            errors[page] += 1
    total_errors = sum(errors.values())
    print(
        f"\n{label}, {users} councillors: {len(results)} requests in {wall:.1f} s = "
        f"{len(results) / wall:.1f} req/s; errors {total_errors}; journeys failed "
        f"{len(failures)}; lost answers {checked['lost']}, wrong {checked['wrong']}, "
        f"not submitted {checked['not_submitted']}; complete in the database "
        f"{checked['complete']}/{users}; load average {Path('/proc/loadavg').read_text()[:14]}"
    )
    print(f"{'page':<16}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'errors':>8}")
    for page in PAGES:
        if by_page[page]:
            times = by_page[page]
            print(
                f"{page:<16}{len(times):>6}{percentile(times, 50):>9.0f}"
                f"{percentile(times, 95):>9.0f}{max(times) * 1000:>9.0f}{errors[page]:>8}"
            )
    for line in (failures + checked["problems"])[:20]:
        print("  ", line)
    hidden = len(failures) + len(checked["problems"]) - 20
    if hidden > 0:
        print(f"   … and {hidden} more")
    return {
        "rps": len(results) / wall,
        "errors": total_errors,
        "lost": checked["lost"] + checked["wrong"] + checked["not_submitted"],
        "pages": {page: (percentile(t, 50), percentile(t, 95)) for page, t in by_page.items() if t},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--users", default="20,100", help="concurrency levels, e.g. 20,100")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: 2 × CPUs + 1)")
    parser.add_argument("--think", type=float, default=0, help="max random pause, seconds")
    parser.add_argument("--time-limit", type=float, default=300, help="per level, seconds")
    parser.add_argument("--timeout", type=float, default=90, help="per request, seconds")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up councillors")
    args = parser.parse_args()
    levels = [int(n) for n in args.users.split(",")]

    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.load_settings"
    os.environ["SESSION_COOKIE_SECURE"] = "false"  # plain HTTP: no `__Host-` cookie names
    os.environ.pop("DEBUG", None)
    static_root = tempfile.TemporaryDirectory(prefix="load-static-")
    os.environ["LOAD_STATIC_ROOT"] = static_root.name
    if args.database == "postgres":
        if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
            os.environ["DATABASE_URL"] = POSTGRES_URL
    else:
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
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("loaddata", "checklist", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        council = Council.objects.create(name="Load Test Council", slug="load-test")
        password = make_password(PASSWORD)
        groups = [("warmup", args.warmup)] + [(f"u{n}", n) for n in levels]
        emails = {name: [f"{name}-{i}@example.org" for i in range(count)] for name, count in groups}
        User.objects.bulk_create(
            User(email=e, full_name=f"Councillor {e}", council=council, password=password)
            for group in emails.values()
            for e in group
        )
        connections.close_all()
        print(f"{label}: database ready in {time.perf_counter() - started:.1f} s")

        port = free_port()
        env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}
        if args.workers:
            env["WEB_CONCURRENCY"] = str(args.workers)
        workers = int(env.get("WEB_CONCURRENCY", min(2 * len(os.sched_getaffinity(0)) + 1, 9)))
        gunicorn = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "--access-logfile=/dev/null",
                "--log-level=warning",
            ],
            env=env,
            cwd=ROOT,
        )
        for _ in range(200):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not answer /healthz")
        print(
            f"gunicorn -c gunicorn.conf.py: {workers} sync workers, max-requests 1000 ± 100, "
            f"on 127.0.0.1:{port}; {os.cpu_count()} CPUs; think time 0-{args.think} s"
        )

        if args.warmup:
            results, failures, _, _ = run_level(port, emails["warmup"], args)
            print(f"warm-up: {len(results)} requests, {len(failures)} journeys failed")

        summaries = {}
        for n in levels:
            results, failures, plans, wall = run_level(port, emails[f"u{n}"], args)
            checked = verify(emails[f"u{n}"], plans)
            connections.close_all()
            summaries[n] = summarise(label, n, results, failures, checked, wall)

        print(f"\n{label}, gunicorn {workers} workers: p50 / p95 in ms")
        print(f"{'':<16}" + "".join(f"{f'{n} councillors':>18}" for n in levels))
        print(f"{'req/s':<16}" + "".join(f"{summaries[n]['rps']:>18.1f}" for n in levels))
        for page in PAGES:
            cells = []
            for n in levels:
                p50, p95 = summaries[n]["pages"].get(page, (0, 0))
                cells.append(f"{f'{p50:.0f} / {p95:.0f}':>18}")
            print(f"{page:<16}" + "".join(cells))
        print(f"{'errors':<16}" + "".join(f"{summaries[n]['errors']:>18}" for n in levels))
        print(f"{'lost answers':<16}" + "".join(f"{summaries[n]['lost']:>18}" for n in levels))
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(timeout=40)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        clean_up()
        static_root.cleanup()


if __name__ == "__main__":
    main()
