"""
The councillors of the load test (benchmarks/load.py starts gunicorn and runs this headless).

Each simulated councillor signs in with the next unused account (load-0@example.org, ...; from
load-<LOAD_FIRST_ACCOUNT>@example.org when that is set, so that one database serves several runs), opens
the dashboard, starts an assessment, answers the four areas (every question, with a note, as
"Save and continue" sends them: field names, option values and the hidden revision read from the
page), checks the answers, submits, opens the submitted page, the report and the PDF, and stops.
There is no think time: every councillor has a request in flight all the time.

A step fails on a status other than the expected one, a redirect somewhere else than the
journey's next page, or a PDF that is not a PDF; the councillor's journey stops there. Every
answer the server acknowledged, and every request's time, is written to LOAD_RESULTS_FILE when
the run ends, for load.py to check against the database and summarise. When every councillor has finished, the run stops itself.
"""

import itertools
import json
import os
import re
from collections import defaultdict
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, constant, events, task
from locust.exception import StopUser

PASSWORD = os.environ.get("LOAD_PASSWORD", "")
AREA_COUNT = 4

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REVISION_RE = re.compile(r'name="revision" value="(\d+)"')
RADIO_RE = re.compile(r'<input[^>]*\bname="([a-z0-9-]+)" type="radio" value="([^"]+)"')
AREA_PATH_RE = re.compile(r"/assessments/(\d+)/areas/[a-z0-9-]+/")

NUMBERS = itertools.count(int(os.environ.get("LOAD_FIRST_ACCOUNT", "0")))
# email -> {"answers": {question code: [option id, note]}, "submitted": bool}
PLANS: dict[str, dict] = {}
FINISHED = itertools.count(1)
# step name -> [[milliseconds, failed], ...], every request as it completed
TIMINGS: dict[str, list] = defaultdict(list)


class JourneyError(Exception):
    pass


@events.test_start.add_listener
def _loopback_only(environment, **kwargs):
    host = urlsplit(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"The load test runs against 127.0.0.1 only, not {host!r}.")


@events.request.add_listener
def _time(name, response_time, exception, **kwargs):
    TIMINGS[name].append([response_time, exception is not None])


@events.test_stop.add_listener
def _write_results(environment, **kwargs):
    with open(os.environ["LOAD_RESULTS_FILE"], "w") as results:
        json.dump({"plans": PLANS, "timings": TIMINGS}, results)


def _csrf(html: str) -> str:
    match = CSRF_RE.search(html)
    if not match:
        raise JourneyError("no CSRF token on the page")
    return match[1]


class Councillor(HttpUser):
    wait_time = constant(0)

    def step(self, name, method, path, *, data=None, expect=200, location=None):
        """One request of the journey, timed under `name`; fails the journey unless its status
        (and, for a redirect, where it leads) is as expected."""
        headers = {"Origin": self.host} if data is not None else {}
        with self.client.request(
            method,
            path,
            name=name,
            data=data,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            where = response.headers.get("Location", "")
            if response.status_code != expect:
                problem = f"{method} {path}: {response.status_code} {where}".rstrip()
            elif location is not None and not re.fullmatch(location, where):
                problem = f"{method} {path}: redirected to {where!r}"
            elif name == "PDF" and not response.content.startswith(b"%PDF"):
                problem = f"GET {path}: not a PDF"
            else:
                response.success()
                return response
            response.failure(problem)
            raise JourneyError(problem)

    @task
    def journey(self):
        number = next(NUMBERS)
        email = f"load-{number}@example.org"
        plan = PLANS[email] = {"answers": {}, "submitted": False}
        try:
            self.answer_and_submit(number, email, plan)
        except JourneyError:
            pass
        finally:
            if next(FINISHED) >= self.environment.parsed_options.num_users:
                # The last councillor is done: stop the run (from another greenlet than this
                # user's, which quitting ends).
                gevent.spawn(self.environment.runner.quit)
        raise StopUser()

    def answer_and_submit(self, number: int, email: str, plan: dict):
        html = self.step("sign-in GET", "GET", "/sign-in/").text
        data = {"csrfmiddlewaretoken": _csrf(html), "email": email, "password": PASSWORD}
        self.step(
            "sign-in POST", "POST", "/sign-in/", data=data, expect=302, location="/dashboard/"
        )
        html = self.step("dashboard", "GET", "/dashboard/").text
        path = self.step(
            "start POST",
            "POST",
            "/assessments/start/",
            data={"csrfmiddlewaretoken": _csrf(html)},
            expect=302,
            location=AREA_PATH_RE.pattern,
        ).headers["Location"]
        pk = AREA_PATH_RE.fullmatch(path)[1]
        check_path = f"/assessments/{pk}/check/"
        for n in range(AREA_COUNT):
            html = self.step("area GET", "GET", path).text
            options = defaultdict(list)
            for name, value in RADIO_RE.findall(html):
                options[name].append(value)
            revision = REVISION_RE.search(html)
            if not options or not revision:
                raise JourneyError(f"GET {path}: no questions or no revision on the page")
            data = {
                "csrfmiddlewaretoken": _csrf(html),
                "revision": revision[1],
                "after": "continue",
            }
            answers = {}
            for q, (code, values) in enumerate(options.items()):
                option = values[(number * 7 + n * 5 + q) % len(values)]
                # Varied notes, with a quote, an ampersand and a line break as people type them.
                note = (
                    f"Councillor {number} on “{code}” & co:\r\nwe do this {'well ' * (q + n)}now."
                )
                data[code], data[f"{code}-note"] = option, note
                answers[code] = [int(option), note.replace("\r\n", "\n")]
            last = n == AREA_COUNT - 1
            path = self.step(
                "area POST",
                "POST",
                path,
                data=data,
                expect=302,
                location=re.escape(check_path) if last else AREA_PATH_RE.pattern,
            ).headers["Location"]
            plan["answers"].update(answers)
        html = self.step("check answers", "GET", check_path).text
        revision = REVISION_RE.search(html)
        if not revision:
            raise JourneyError(f"GET {check_path}: no submit form")
        self.step(
            "submit POST",
            "POST",
            f"/assessments/{pk}/submit/",
            data={"csrfmiddlewaretoken": _csrf(html), "revision": revision[1]},
            expect=302,
            location=f"/assessments/{pk}/",
        )
        plan["submitted"] = True
        self.step("submitted page", "GET", f"/assessments/{pk}/")
        self.step("report", "GET", f"/assessments/{pk}/report/")
        self.step("PDF", "GET", f"/assessments/{pk}/report/pdf/")
