"""
Proof on two app servers: nginx in front of two gunicorn servers, one task worker, PostgreSQL
and Redis, all on this machine, started and stopped by this script (benchmarks/stack.py).

    SECRET_KEY=x .venv/bin/python benchmarks/two_servers.py --scenario all --users 100 300
    SECRET_KEY=x .venv/bin/python benchmarks/two_servers.py --scenario invite

Scenarios:

* journey: `--users` councillors at once (each figure a run of its own) sign in, answer the
  four areas, check, submit, and open the report and its PDF (benchmarks/locustfile.py) through
  nginx. Prints each step's p50/p95 and failures, the requests and PDFs each app server answered,
  and checks every acknowledged answer in the database. After the first run, a probe asks for
  `--probe` PDFs from server A and then from server B directly, to show whether B reads what A
  rendered from the shared cache (below).
* invite: one officer uploads a CSV of `--invite-lines` councillors through nginx while SMTP
  points at a local mail server that takes `--mail-delay` seconds a message. Prints the page's
  response time, when the last email arrived, and whether every address got exactly one.

The set-up: a fresh PostgreSQL database `innovation_bench_two_servers` on DATABASE_URL's server
(default postgres://postgres@127.0.0.1:5432/postgres; dropped at the end), Redis database 3
flushed at the start (REDIS_URL, default redis://127.0.0.1:6379/3), static files collected as in
production. The servers and the worker run benchmarks/load_settings.py (production settings over
plain HTTP, a fast password hasher) with AXES_IPWARE_PROXY_COUNT=1 (nginx is in front), SITE_URL
the nginx address, and REDIS_URL, which the settings use for the shared cache when they know it.

Cross-server cache probe: for each assessment, its PDF entries are deleted from Redis, the PDF is
fetched from A, and every new Redis key with "pdf" in it is made persistent (no expiry). Then B
is asked: writing the entry again (a render on a miss) would give it an expiry again, so an entry
still without one, and the same bytes, mean B answered from A's rendering.

Exit status 1 if any answer is lost or wrong, any journey step failed, or any invited address
got no email or more than one; the speed targets are reported as met or missed.
"""

import argparse
import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.groups import prepare_database  # noqa: E402
from benchmarks.load import PASSWORD, STEPS, percentile, print_table, verify  # noqa: E402
from benchmarks.stack import BIN, SlowMailServer, Stack  # noqa: E402

DATABASE = "innovation_bench_two_servers"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
COUNCIL_SLUG = "bench-council"
OFFICER_EMAIL = "officer@example.org"
PAGE_STEPS = [step for step in STEPS if step != "PDF"]
PAGE_TARGET_MS, PDF_TARGET_MS, INVITE_TARGET_S = 300, 1000, 2
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LOG_LINE_RE = re.compile(r'^(\S+) (\d{3}) ([\d.]+) (\S+) "(\S+) (\S+)"$')
PDF_PATH_RE = re.compile(r"^/assessments/(\d+)/report/pdf/$")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=["journey", "invite", "all"], default="all")
    parser.add_argument("--users", type=int, nargs="+", default=[100], help="one run per figure")
    parser.add_argument("--time-limit", type=int, default=600, help="seconds per journey run")
    # Two servers share this machine's 2 cores (with nginx, the worker, PostgreSQL and locust),
    # so each stands for a 1-core server: gunicorn's 2 × cores + 1 with one core.
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per server")
    parser.add_argument("--task-workers", type=int, default=1, help="db_worker processes")
    parser.add_argument("--probe", type=int, default=10, help="PDFs asked of A, then of B")
    parser.add_argument("--invite-lines", type=int, default=500)
    parser.add_argument("--mail-delay", type=float, default=1.0, help="seconds a message")
    parser.add_argument("--invite-timeout", type=int, default=150, help="seconds for the page")
    parser.add_argument("--mail-timeout", type=int, default=900, help="seconds for the emails")
    args = parser.parse_args()
    if not all(1 <= users <= 500 for users in args.users) or len(args.users) > 4:
        raise SystemExit("--users takes up to 4 figures, each 1-500.")
    if not (1 <= args.time_limit <= 900 and 1 <= args.workers <= 9 and 0 <= args.probe <= 50):
        raise SystemExit("--time-limit 1-900 s, --workers 1-9, --probe 0-50.")
    if not 1 <= args.task_workers <= 4:
        raise SystemExit("--task-workers 1-4.")
    if not (1 <= args.invite_lines <= 500 and 0 <= args.mail_delay <= 10):
        raise SystemExit("--invite-lines 1-500 (the form's limit), --mail-delay 0-10 s.")
    if not (1 <= args.invite_timeout <= 600 and 1 <= args.mail_timeout <= 1800):
        raise SystemExit("--invite-timeout 1-600 s, --mail-timeout 1-1800 s.")
    return args


def stop_on_sigterm() -> None:
    """A SIGTERM (a CI runner's, `kill`) unwinds like Ctrl+C, so every process is stopped."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


# --- Set-up ----------------------------------------------------------------------------------


def prepare(args) -> None:
    """Migrate, load the checklist, collect static files, make the accounts."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connections

    from assessments.models import Council, User

    call_command("migrate", verbosity=0)
    call_command("loaddata", "checklist", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    council = Council.objects.create(name="Benchmark Council", slug=COUNCIL_SLUG)
    password = make_password(PASSWORD)
    journeys = sum(args.users) if args.scenario != "invite" else 0
    User.objects.bulk_create(
        User(
            email=f"load-{i}@example.org",
            full_name=f"Councillor {i}",
            council=council,
            password=password,
        )
        for i in range(journeys)
    )
    User.objects.create(
        email=OFFICER_EMAIL,
        full_name="Olive Officer",
        council=council,
        role=User.Role.OFFICER,
        password=password,
    )
    connections.close_all()


def flush_redis(url: str):
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    return client


def pending_tasks() -> int:
    from django.db import connections
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    count = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).count()
    connections.close_all()
    return count


def wait_for_queue(seconds: float) -> tuple[int, float]:
    """Wait (at most `seconds`) until the worker has no task waiting; the count left, and how
    long it took."""
    started = time.monotonic()
    while (left := pending_tasks()) and time.monotonic() - started < seconds:
        time.sleep(1)
    return left, time.monotonic() - started


# --- HTTP as a person's browser ------------------------------------------------------------


def signed_in(base_url: str, email: str):
    """A requests session signed in through `base_url` (nginx) as `email`."""
    import requests

    session = requests.Session()
    page = session.get(f"{base_url}/sign-in/", timeout=60)
    if not (token := CSRF_RE.search(page.text)):
        raise SystemExit(f"The sign-in page answered {page.status_code} with no form")
    response = session.post(
        f"{base_url}/sign-in/",
        data={"csrfmiddlewaretoken": token[1], "email": email, "password": PASSWORD},
        headers={"Origin": base_url},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise SystemExit(f"{email} could not sign in: {response.status_code}")
    return session


# --- Scenario 1: the councillors' journey -------------------------------------------------


def read_access_log(path: Path, offset: int) -> list[tuple[str, int, float, str]]:
    """(server address, status, nginx's seconds, path) of each request logged after `offset`."""
    rows = []
    with path.open() as log:
        log.seek(offset)
        for line in log:
            if match := LOG_LINE_RE.match(line.strip()):
                rows.append((match[1], int(match[2]), float(match[3]), match[6]))
    return rows


def run_locust(stack: Stack, *, users: int, first: int, time_limit: int, work: Path) -> dict:
    results_file, locust_log = work / f"results-{first}.json", work / f"locust-{first}.log"
    with locust_log.open("w") as out:
        subprocess.run(
            [
                *(BIN / "locust", "-f", ROOT / "benchmarks" / "locustfile.py", "--headless"),
                *("--host", stack.url, "--users", str(users), "--spawn-rate", str(users)),
                *("--run-time", f"{time_limit}s", "--stop-timeout", "10", "--only-summary"),
                *("--loglevel", "WARNING"),
            ],
            env={
                **stack.env,
                "LOAD_RESULTS_FILE": str(results_file),
                "LOAD_PASSWORD": PASSWORD,
                "LOAD_FIRST_ACCOUNT": str(first),
            },
            cwd=ROOT,
            check=False,  # locust exits 1 on any failed step; the table says which
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=time_limit + 120,
        )
    if not results_file.exists():
        print(locust_log.read_text()[-3000:])
        raise SystemExit("locust wrote no results")
    return json.loads(results_file.read_text())


def print_servers(stack: Stack, rows: list[tuple[str, int, float, str]]) -> None:
    """Requests and PDFs each app server answered, with the PDFs' p50 and p95 (nginx's time)."""
    by_server: dict[str, list] = defaultdict(list)
    for address, status, seconds, path in rows:
        by_server[stack.server_for(address)].append((status, seconds, path))
    print(f"{'server':<8}{'requests':>9}{'5xx':>6}{'PDFs':>6}{'PDF p50 ms':>12}{'PDF p95 ms':>12}")
    for name in sorted(by_server):
        answered = by_server[name]
        pdfs = [s * 1000 for _, s, path in answered if PDF_PATH_RE.match(path)]
        errors = sum(status >= 500 for status, _, _ in answered)
        p50, p95 = (percentile(pdfs, 50), percentile(pdfs, 95)) if pdfs else (0, 0)
        print(f"{name:<8}{len(answered):>9}{errors:>6}{len(pdfs):>6}{p50:>12.0f}{p95:>12.0f}")


def target_line(what: str, value: float, target: float, unit: str) -> str:
    verdict = "met" if value <= target else "MISSED"
    shown = f"{value:.1f}" if unit == "s" else f"{value:.0f}"
    return f"  {what}: {shown} {unit} (target <= {target:g} {unit}): {verdict}"


def journey(stack: Stack, *, users: int, first: int, time_limit: int, work: Path, redis):
    """One run of the journey; returns (ok, emails of the councillors who submitted)."""
    offset = stack.access_log.stat().st_size if stack.access_log.exists() else 0
    print(f"\n== Journey: {users} councillors at once through nginx ({stack.url}) ==")
    started = time.perf_counter()
    results = run_locust(stack, users=users, first=first, time_limit=time_limit, work=work)
    wall = time.perf_counter() - started
    print(f"run: {wall:.1f} s; load average {Path('/proc/loadavg').read_text()[:14]}")
    timings = results["timings"]
    failed = print_table(timings, wall)
    plans = results["plans"]
    problems = verify(plans)
    submitted = [email for email, plan in plans.items() if plan["submitted"]]
    answers = sum(len(p["answers"]) for p in plans.values())
    print(
        f"journeys started {len(plans)}, submitted {len(submitted)}; failed steps {failed}; "
        f"answers checked {answers}, lost or wrong {len(problems)}"
    )
    for line in problems[:20]:
        print("  ", line)
    time.sleep(1)  # nginx writes its access log as each request ends; let the last lines land
    print_servers(stack, read_access_log(stack.access_log, offset))
    pages = [ms for step in PAGE_STEPS for ms, _ in timings.get(step, [])]
    pdfs = [ms for ms, _ in timings.get("PDF", [])]
    worst = max(
        PAGE_STEPS,
        key=lambda s: percentile([ms for ms, _ in timings[s]], 95) if timings.get(s) else 0,
    )
    print("targets:")
    if pages:
        print(
            target_line(
                "pages p95 (every step but the PDF)", percentile(pages, 95), PAGE_TARGET_MS, "ms"
            )
        )
        worst_p95 = percentile([ms for ms, _ in timings[worst]], 95)
        print(target_line(f"slowest page step p95 ({worst})", worst_p95, PAGE_TARGET_MS, "ms"))
    if pdfs:
        print(target_line("PDF p95", percentile(pdfs, 95), PDF_TARGET_MS, "ms"))
    idle = stack.wait_until_idle(300)
    print(f"both servers idle {idle:.0f} s after the run (requests whose client had gone)")
    left, waited = wait_for_queue(300)
    cached_pdfs = sum(1 for key in redis.scan_iter(count=1000) if b"pdf" in key.lower())
    print(
        f"tasks still waiting {left} after {waited:.0f} s; PDF entries in Redis: {cached_pdfs} "
        f"for {len(pdfs)} PDFs downloaded"
    )
    return not problems and not failed, submitted


def pdf_keys(redis, pk: int) -> set[bytes]:
    pattern = re.compile(rb"pdf[^/]*?:%d(:|$)" % pk, re.IGNORECASE)
    return {key for key in redis.scan_iter(match=b"*pdf*", count=1000) if pattern.search(key)}


def cross_server_probe(stack: Stack, emails: list[str], *, count: int, redis) -> None:
    """Render a PDF on A, then ask B for it: a hit in the shared cache, or a render again?"""
    from django.db import connections

    from assessments.models import Assessment

    chosen = emails[:count]
    if not chosen:
        return
    owners = dict(
        Assessment.objects.filter(
            owner__email__in=chosen, status=Assessment.Status.SUBMITTED
        ).values_list("owner__email", "pk")
    )
    connections.close_all()
    a, b = stack.servers
    print(f"\n== Shared cache: {len(owners)} PDFs rendered on {a.name}, then asked of {b.name} ==")
    tally: Counter[str] = Counter()
    a_times, b_times = [], []
    for email, pk in owners.items():
        session = signed_in(stack.url, email)
        path = f"/assessments/{pk}/report/pdf/"
        if stale := pdf_keys(redis, pk):  # rendered by the worker or in the journey
            redis.delete(*stale)
        before = set(redis.scan_iter(count=1000))
        started = time.perf_counter()
        on_a = session.get(f"http://{a.address}{path}", timeout=120)
        a_times.append((time.perf_counter() - started) * 1000)
        written = {
            key for key in set(redis.scan_iter(count=1000)) - before if b"pdf" in key.lower()
        }
        for key in written:
            redis.persist(key)
        started = time.perf_counter()
        on_b = session.get(f"http://{b.address}{path}", timeout=120)
        b_times.append((time.perf_counter() - started) * 1000)
        if on_a.status_code != 200 or on_b.status_code != 200:
            tally[f"failed ({on_a.status_code}, {on_b.status_code})"] += 1
        elif not written:
            tally[
                f"{a.name} wrote nothing to Redis (no shared cache): {b.name} rendered its own"
            ] += 1
        elif all(redis.ttl(key) == -1 for key in written) and on_a.content == on_b.content:
            tally[f"cache hit on {b.name} (A's entry untouched, same bytes)"] += 1
        else:
            tally[f"rendered again on {b.name} (the entry was written again)"] += 1
    for outcome, n in tally.most_common():
        print(f"  {n:>3} × {outcome}")
    print(
        f"  {a.name} p50 {percentile(a_times, 50):.0f} ms; "
        f"{b.name} p50 {percentile(b_times, 50):.0f} ms"
    )


# --- Scenario 2: a bulk invitation -----------------------------------------------------------


def invite(stack: Stack, mail: SlowMailServer, *, lines: int, timeout: int, mail_timeout: int):
    import requests
    from django.db import connections

    from assessments.models import Email

    print(
        f"\n== Bulk invite: {lines} councillors in one CSV through nginx; "
        f"SMTP at 127.0.0.1:{mail.port}, {mail.delay:g} s a message =="
    )
    invited = [f"invitee-{i}@example.org" for i in range(lines)]
    upload = io.StringIO()
    writer = csv.writer(upload)
    # No row of headings: the form takes at most 500 lines, headings included.
    writer.writerows([f"Invitee {i}", address] for i, address in enumerate(invited))
    session = signed_in(stack.url, OFFICER_EMAIL)
    page_url = f"{stack.url}/councils/{COUNCIL_SLUG}/invite-a-list/"
    page = session.get(page_url, timeout=30)
    already = mail.count()
    started = time.monotonic()
    try:
        response = session.post(
            page_url,
            data={"csrfmiddlewaretoken": CSRF_RE.search(page.text)[1]},
            files={"csv_file": ("councillors.csv", upload.getvalue().encode(), "text/csv")},
            headers={"Origin": stack.url},
            timeout=timeout,
        )
        answered = time.monotonic() - started
        said = re.search(r'notification-banner__heading">([^<]*)<', response.text) or re.search(
            r'govuk-error-summary__list">\s*<li>\s*(?:<a [^>]*>)?([^<]*)<', response.text
        )
        outcome = f"{response.status_code} {said[1].strip() if said else ''}".strip()
        served_by = stack.server_for(response.headers.get("X-Upstream", ""))
    except requests.Timeout:
        answered, outcome, served_by = time.monotonic() - started, "no answer (client gave up)", "?"
    print(f"page: {outcome!r} from {served_by} after {answered:.1f} s")
    print(target_line("bulk page's response time", answered, INVITE_TARGET_S, "s"))

    # The emails: until all have arrived, or none has for 15 s with no task left to run.
    last_seen, last_count, next_note = time.monotonic(), mail.count(), time.monotonic() + 60
    while time.monotonic() - started < mail_timeout:
        count = mail.count()
        if count - already >= lines:
            break
        if count != last_count:
            last_seen, last_count = time.monotonic(), count
        elif time.monotonic() - last_seen > 15 and not pending_tasks():
            break
        if time.monotonic() > next_note:
            print(f"  ... {count - already} emails after {time.monotonic() - started:.0f} s")
            next_note += 60
        time.sleep(0.5)
    with mail.lock:
        messages = mail.messages[already:]
    received = Counter(address for message in messages for address in message.recipients)
    expected = set(invited)
    twice = sorted(a for a, n in received.items() if n > 1 and a in expected)
    unexpected = sorted(set(received) - expected)
    missing = sorted(expected - set(received))
    if messages:
        last = max(message.received for message in messages) - started
        print(f"emails: {len(messages)} delivered, the last {last:.1f} s after the upload")
    else:
        print("emails: none delivered")
    print(
        f"addresses: {len(expected & set(received))} of {lines} got an email; "
        f"{len(twice)} got more than one; {len(missing)} got none; {len(unexpected)} unexpected"
    )
    states = Counter(
        Email.objects.filter(purpose=Email.Purpose.INVITATION, user__email__in=invited).values_list(
            "state", flat=True
        )
    )
    connections.close_all()
    print(f"invitations in the database: {sum(states.values())} ({dict(states)})")
    return not twice and not missing and not unexpected


def print_log_news(stack: Stack) -> None:
    for line in stack.log_news() or ["nothing went wrong"]:
        print(f"server and worker logs: {line}")


# --- The command -----------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    stop_on_sigterm()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows at once, through `tee` too
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.load_settings"
    os.environ["SESSION_COOKIE_SECURE"] = "false"  # plain HTTP: no `__Host-` cookie names
    os.environ.pop("DEBUG", None)
    os.environ["AXES_IPWARE_PROXY_COUNT"] = "1"  # nginx is in front
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = DEFAULT_DATABASE_URL
    work_dir = tempfile.TemporaryDirectory(prefix="two-servers-")
    work = Path(work_dir.name)
    os.environ["LOAD_STATIC_ROOT"] = str(work / "static")
    redis = flush_redis(os.environ["REDIS_URL"])
    label, clean_up = prepare_database(SimpleNamespace(database=DATABASE))

    import django

    django.setup()
    ok = True
    try:
        prepare(args)
        with SlowMailServer(args.mail_delay) as mail:
            os.environ.update(
                EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(mail.port), EMAIL_USE_TLS="false"
            )
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            with Stack(
                work=work, env=env, workers_per_server=args.workers, task_workers=args.task_workers
            ) as stack:
                servers = ", ".join(f"{s.name} {s.address}" for s in stack.servers)
                print(
                    f"{label} ({DATABASE}); Redis {os.environ['REDIS_URL']} (flushed); "
                    f"nginx {stack.url} -> {servers}, {args.workers} gunicorn workers each; "
                    f"{args.task_workers} db_worker; {os.cpu_count()} CPUs"
                )
                if args.scenario in ("journey", "all"):
                    first = 0
                    for n, users in enumerate(args.users):
                        passed, submitted = journey(
                            stack,
                            users=users,
                            first=first,
                            time_limit=args.time_limit,
                            work=work,
                            redis=redis,
                        )
                        ok &= passed
                        if n == 0 and args.probe:
                            cross_server_probe(stack, submitted, count=args.probe, redis=redis)
                        first += users
                    print_log_news(stack)
                if args.scenario in ("invite", "all"):
                    ok &= invite(
                        stack,
                        mail,
                        lines=args.invite_lines,
                        timeout=args.invite_timeout,
                        mail_timeout=args.mail_timeout,
                    )
                    print_log_news(stack)
    except KeyboardInterrupt:
        print("\nStopped: every process is being stopped.")
        ok = False
    finally:
        clean_up()
        work_dir.cleanup()
    print("\nresult:", "every check passed" if ok else "FAILED (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
