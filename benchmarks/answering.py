"""
Benchmark the answering pages as they are served: gunicorn, 2 sync workers, DEBUG off.

    .venv/bin/python benchmarks/answering.py [--requests 400] [--clients 2]

Uses a temporary SQLite database unless DATABASE_URL is set (then it migrates and loads the
checklist there: use a scratch database). For each page it reports:

- server CPU per request: utime + stime of both gunicorn workers, read from /proc/<pid>/stat
  before and after N sequential requests, divided by N (clock ticks are 10 ms, so N is large);
- requests per second with `--clients` concurrent clients, one connection per request
  (gunicorn's sync workers close the connection after each response).

Pages: an area page (6 questions with answers and notes), saving that page (each save carries
the current revision, so every one really writes), "Check your answers" (20 answers), and the
floor: a bare Django view returning a fixed page through the same middleware.
"""

import argparse
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict[str, str]) -> dict[str, str]:
    """Migrate, load the checklist, and make a signed-in councillor with a half-done draft."""
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*manage, "loaddata", "checklist", "-v0"], env=env, check=True)
    script = """
from django.test import Client
from assessments.models import Answer, AnswerOption, Assessment, Question, User
from assessments.answering import assessment_start
user, _ = User.objects.get_or_create(email="bench@example.org", defaults={"full_name": "Bench Mark"})
Assessment.objects.filter(owner=user).delete()
draft = assessment_start(owner=user, from_previous=False)
yes = AnswerOption.objects.get(checklist=draft.checklist, code="yes")
Answer.objects.bulk_create(
    Answer(assessment=draft, question=q, option=yes, note="We do this through the cabinet. " * 4)
    for q in Question.objects.filter(area__checklist=draft.checklist)
)
client = Client()
client.force_login(user)
print(client.cookies["sessionid"].value, draft.pk, yes.pk, draft.revision)
"""
    out = subprocess.run(
        [*manage, "shell", "-c", script], env=env, check=True, capture_output=True, text=True
    ).stdout.split()[-4:]
    return dict(zip(["session", "assessment", "yes", "revision"], out, strict=True))


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLOCK_TICKS


class Site:
    def __init__(self, port: int, session: str):
        self.port = port
        self.cookie = f"sessionid={session}"
        self.csrf = None

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": self.cookie + (f"; csrftoken={self.csrf[0]}" if self.csrf else "")}
        data = None
        if body is not None:
            data = urlencode({**body, "csrfmiddlewaretoken": self.csrf[1]})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, data, headers)
        response = conn.getresponse()
        content = response.read().decode()
        cookies = response.headers.get_all("Set-Cookie") or []
        for cookie in cookies:
            if cookie.startswith("csrftoken="):
                token = cookie.split(";")[0].split("=", 1)[1]
                self.csrf = (token, self.csrf[1] if self.csrf else "")
        conn.close()
        return response.status, response.headers.get("Location", ""), content


def measure(site, pids, make_request, n: int, clients: int) -> tuple[float, float]:
    for _ in range(30):  # warm both workers: imports, template cache, connections
        make_request()
    before = cpu_seconds(pids)
    for _ in range(n):
        make_request()
    cpu_ms = (cpu_seconds(pids) - before) / n * 1000

    lock = threading.Lock()
    remaining = [n]

    def client():
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            make_request()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return cpu_ms, n / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="answering-bench-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only"),
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
        ),
    }
    env.pop("DEBUG", None)
    # Plain HTTP: the settings name the cookies `__Host-…` only when they are secure.
    env["SESSION_COOKIE_SECURE"] = "false"
    fixture = prepare(env)
    port = free_port()
    gunicorn = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "innovation_checklist.wsgi:application",
            "--workers=2",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
            # gunicorn also reads ./gunicorn.conf.py (production): keep its settings but no
            # worker recycling mid-run (the CPU is read from the workers' /proc entries), and
            # its access log written but not shown.
            "--max-requests=0",
            "--access-logfile=/dev/null",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        site = Site(port, fixture["session"])
        for _ in range(100):
            try:
                site.request("GET", "/benchmark/floor/")
                break
            except OSError:
                time.sleep(0.1)
        pids = worker_pids(gunicorn.pid)
        assert len(pids) == 2, pids

        pk = fixture["assessment"]
        area_path = f"/assessments/{pk}/areas/climate/"
        status, _, html = site.request("GET", area_path)
        assert status == 200, status
        site.csrf = (
            site.csrf[0],
            re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1],
        )
        questions = re.findall(r'name="([a-z0-9-]+)" type="radio"', html)
        questions = list(dict.fromkeys(questions))
        revision = [int(fixture["revision"])]
        revision_lock = threading.Lock()

        def area_get():
            assert site.request("GET", area_path)[0] == 200

        def area_save():
            with revision_lock:  # saves of one draft are serialised by its revision anyway
                body = {"revision": revision[0], "after": "continue"}
                for code in questions:
                    body[code] = fixture["yes"]
                    body[f"{code}-note"] = "We do this through the cabinet."
                status, location, _ = site.request("POST", area_path, body)
                assert status == 302 and location.endswith("/areas/leadership/"), location
                revision[0] += 1

        def check_get():
            assert site.request("GET", f"/assessments/{pk}/check/")[0] == 200

        def floor_get():
            assert site.request("GET", "/benchmark/floor/")[0] == 200

        rows = []
        for name, fn in [
            ("Floor: bare Django view", floor_get),
            ("Area page (GET, 6 questions)", area_get),
            ("Save an area (POST)", area_save),
            ("Check your answers (GET, 20)", check_get),
        ]:
            cpu_ms, rps = measure(site, pids, fn, args.requests, args.clients)
            rows.append((name, cpu_ms, rps))

        database = env["DATABASE_URL"].split(":", 1)[0]
        print(
            f"\n{args.requests} requests each; gunicorn 2 sync workers; {database}; "
            f"{args.clients} concurrent clients for req/s\n"
        )
        print(f"{'Page':<32} {'server CPU ms/req':>18} {'req/s':>8} {'CPU over floor':>15}")
        floor_cpu = rows[0][1]
        for name, cpu_ms, rps in rows:
            print(f"{name:<32} {cpu_ms:>18.2f} {rps:>8.0f} {cpu_ms - floor_cpu:>15.2f}")
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        tmp.cleanup()


if __name__ == "__main__":
    main()
