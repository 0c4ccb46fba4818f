"""
Races that meet the database's constraints (STYLE.md 17): two people, or one double click,
submitting the same thing at once get one row and a plain page, never a 500.

Each test posts the same form twice from two threads, each with its own test client and its own
database connection, in a transactional test so that each thread sees what the other commits.
The form's check is held (`Race`) until both posts have passed it, so both go on to write as if
neither had seen the other: the constraint alone decides. Two orders:

* "one after the other": the first post then runs to its end before the second writes. This is
  the race as SQLite meets it, where writers queue at BEGIN IMMEDIATE.
* "at the same moment": both write at once; on PostgreSQL the second insert waits on the first's
  unique index entry and is refused when it commits. Run on PostgreSQL only: the in-memory SQLite
  test database refuses a second writer outright ("database table is locked") instead of queueing
  it as a file database does.

Run them on PostgreSQL with
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/innov_<name> pytest --create-db tests/test_races.py`.
"""

import datetime
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import data_rights, invitations, overview_counts
from assessments.answering import assessment_start, assessment_submit
from assessments.forms.action_plan import ActionStepForm
from assessments.forms.groups import GroupForm
from assessments.models import (
    ActionStep,
    Assessment,
    CouncillorGroup,
    CouncilSubmissions,
    Email,
    Invitation,
    User,
)
from tests.builders import MIXED_ANSWERS, add_step, answer_all, make_user, submit

# How long a thread waits for the other before the test fails instead of hanging (a safety net,
# not a timing assertion: a passing run never waits this long).
GIVE_UP_AFTER = 30

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["one after the other", "at the same moment"])
def together(request) -> bool:
    if request.param == "at the same moment" and connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database cannot queue two writers")
    return request.param == "at the same moment"


class Race:
    """
    Holds each thread once, just before or after it calls `target.name` (the check), until every
    thread has got there; then, unless `together`, lets one thread run its call to the end
    before the others go on.
    """

    def __init__(self, monkeypatch, target, name: str, *, together: bool, when: str = "after"):
        self.together = together
        self.barrier = threading.Barrier(2, timeout=GIVE_UP_AFTER)
        self.one_finished = threading.Event()
        self.held = threading.local()
        original = getattr(target, name)

        def held_call(*args, **kwargs):
            if when == "before":
                self._hold()
            result = original(*args, **kwargs)
            if when == "after":
                self._hold()
            return result

        monkeypatch.setattr(target, name, held_call)

    def _hold(self) -> None:
        if getattr(self.held, "done", False):
            return  # once per thread: a check asked again after a refusal runs straight through
        self.held.done = True
        first = self.barrier.wait() == 0
        if not (self.together or first):
            assert self.one_finished.wait(GIVE_UP_AFTER), "the other post never finished"

    def run(self, *calls: Callable):
        """Run each call in its own thread; return what each returned, or the exception it
        raised (the test client raises what a view raised, so a 500 shows up here)."""
        results: list = [None] * len(calls)

        def worker(index, call):
            try:
                results[index] = call()
            except BaseException as error:
                results[index] = error
            finally:
                self.one_finished.set()
                connections.close_all()

        threads = [threading.Thread(target=worker, args=pair) for pair in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def status_codes(responses) -> list:
    return sorted(getattr(r, "status_code", r) for r in responses)


@pytest.fixture
def second_officer(council) -> User:
    return make_user(
        email="lee.officer@example.org",
        full_name="Lee Price",
        council=council,
        role=User.Role.OFFICER,
    )


def test_two_officers_creating_one_group_at_once_get_one_group_and_the_forms_message(
    checklist, council, officer, second_officer, monkeypatch, together
):
    race = Race(monkeypatch, GroupForm, "clean", together=together)
    url = reverse("assessments:group_create")
    first, second = signed_in_client(officer), signed_in_client(second_officer)

    responses = race.run(
        lambda: first.post(url, {"name": "Cabinet"}),
        lambda: second.post(url, {"name": "CABINET"}),
    )

    assert status_codes(responses) == [200, 302], responses
    refused = next(r for r in responses if r.status_code == 200)
    assert "Northshire County Council already has a group called" in refused.content.decode()
    assert CouncillorGroup.objects.filter(council=council).count() == 1


def test_two_officers_inviting_one_address_at_once_get_one_account_and_the_checks_message(
    council, officer, second_officer, monkeypatch, together
):
    race = Race(monkeypatch, invitations, "invitation_refusal", together=together)
    url = reverse("assessments:invite")
    first, second = signed_in_client(officer), signed_in_client(second_officer)

    responses = race.run(
        lambda: first.post(url, {"full_name": "Nia Jones", "email": "nia@example.org"}),
        lambda: second.post(url, {"full_name": "Nia Jones", "email": "NIA@example.org"}),
    )

    assert status_codes(responses) == [200, 302], responses
    refused = next(r for r in responses if r.status_code == 200)
    assert (
        "nia@example.org has already been invited to Northshire County Council"
        in refused.content.decode()
    )
    assert User.objects.filter(email__iexact="nia@example.org").count() == 1
    assert Invitation.objects.count() == 1
    assert Email.objects.count() == 1  # one invitation, one email queued


def test_two_resends_of_one_invitation_at_once_leave_one_live_link_and_no_error(
    council, officer, second_officer, monkeypatch, together
):
    invitation = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )
    race = Race(monkeypatch, invitations, "invitation_resend", together=together, when="before")
    url = reverse("assessments:resend_invitation", args=[invitation.pk])
    first, second = signed_in_client(officer), signed_in_client(second_officer)

    responses = race.run(lambda: first.post(url), lambda: second.post(url))

    assert status_codes(responses) == [302, 302], responses
    live = Invitation.objects.filter(accepted_at=None, revoked_at=None)
    assert live.count() == 1
    assert Invitation.objects.count() == 3
    # Each invitation's email queued once; only the live one's will be sent (the others are
    # revoked, so their tasks cancel them).
    assert sorted(Email.objects.values_list("invitation_id", flat=True)) == sorted(
        Invitation.objects.values_list("pk", flat=True)
    )


def test_two_saves_of_one_new_next_step_at_once_keep_the_first_and_tell_the_second(
    checklist, councillor, monkeypatch, together
):
    assessment = submit(councillor, checklist, MIXED_ANSWERS)
    race = Race(monkeypatch, ActionStepForm, "clean", together=together)
    url = reverse("assessments:action_step", args=[assessment.pk, "devote-resources"])
    first, second = signed_in_client(councillor), signed_in_client(councillor)
    texts = {first: "Ask for a budget line", second: "Ask for a budget line, and staff"}

    responses = race.run(
        *(lambda c=c: c.post(url, {"what": texts[c], "seen": ""}) for c in (first, second))
    )

    assert_one_saved_and_one_told(responses, texts, url, assessment)


def test_two_saves_of_one_changed_next_step_at_once_keep_the_first_and_tell_the_second(
    checklist, councillor, monkeypatch, together
):
    assessment = submit(councillor, checklist, MIXED_ANSWERS)
    step = add_step(assessment, "devote-resources", what="Old plan")
    race = Race(monkeypatch, ActionStepForm, "clean", together=together)
    url = reverse("assessments:action_step", args=[assessment.pk, "devote-resources"])
    first, second = signed_in_client(councillor), signed_in_client(councillor)
    texts = {first: "New plan", second: "Newer plan"}
    seen = step.updated_at.isoformat()

    responses = race.run(
        *(lambda c=c: c.post(url, {"what": texts[c], "seen": seen}) for c in (first, second))
    )

    assert_one_saved_and_one_told(responses, texts, url, assessment)


def assert_one_saved_and_one_told(responses, texts, url, assessment) -> None:
    """One post saved and went on to the report; the other was sent back to the step's page
    with the stale warning; the step holds the saved one's words."""
    assert status_codes(responses) == [302, 302], responses
    report_url = reverse("assessments:report", args=[assessment.pk])
    saved = [r for r in responses if r.url == f"{report_url}#gap-devote-resources"]
    told = [r for r in responses if r.url == url]
    assert len(saved) == len(told) == 1, [r.url for r in responses]
    clients = list(texts)
    winner = clients[responses.index(saved[0])]
    loser = clients[responses.index(told[0])]
    assert ActionStep.objects.get(answer__assessment=assessment).what == texts[winner]
    assert "changed in another tab or window" in loser.get(url).content.decode()


# --- The national overview's counts --------------------------------------------------------


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs two writers at once: PostgreSQL only")


def ready_to_submit(owner: User, checklist) -> tuple[int, int]:
    """A fully answered draft of `owner`: its id and revision, for another thread to submit."""
    draft = assessment_start(owner=owner, from_previous=False)
    answer_all(draft)
    return draft.pk, draft.revision


def submit_draft(pk: int, revision: int):
    return assessment_submit(assessment=Assessment.objects.get(pk=pk), revision=revision)


@pytest.mark.parametrize("existing", [False, True], ids=["first counts", "counts kept already"])
def test_two_councillors_submitting_at_once_are_both_counted(
    postgresql_only,
    checklist,
    council,
    councillor,
    second_councillor,
    monkeypatch,
    together,
    existing,
):
    """Each count moves by an increment in the database, and a row both create is created
    once: neither submission is lost, and neither fails. (PostgreSQL only: on SQLite the first
    submission's first write holds the one write lock, so the second cannot get this far.)"""
    if existing:
        submit(make_user(email="first@example.org", full_name="First", council=council), checklist)
    drafts = [ready_to_submit(person, checklist) for person in (councillor, second_councillor)]
    race = Race(
        monkeypatch, overview_counts, "overview_counts_add", together=together, when="before"
    )

    results = race.run(*(lambda d=d: submit_draft(*d) for d in drafts))

    assert all(isinstance(r, Assessment) and r.is_submitted for r in results), results
    others = 1 if existing else 0
    row = CouncilSubmissions.objects.get(council=council)
    assert (row.people, row.assessments) == (2 + others, 2 + others)
    assert overview_counts.overview_counts_agree()


class HeldAfter:
    """
    Holds the first call of `target.name` in the thread that runs `holder` after it returns,
    until `release()`; `reached` is set once it is held.
    """

    def __init__(self, monkeypatch, target, name: str):
        self.reached = threading.Event()
        self.released = threading.Event()
        self.holder: int | None = None
        original = getattr(target, name)

        def held_call(*args, **kwargs):
            result = original(*args, **kwargs)
            if threading.get_ident() == self.holder and not self.reached.is_set():
                self.reached.set()
                assert self.released.wait(GIVE_UP_AFTER), "never released"
            return result

        monkeypatch.setattr(target, name, held_call)

    def release(self) -> None:
        self.released.set()


def run_while_held(held: HeldAfter, holder: Callable, other: Callable) -> list:
    """
    Run `holder` until it is held, then `other` until it has finished or is waiting on a lock
    (PostgreSQL says so in pg_stat_activity); then release `holder`. Return what each returned
    or raised. This is the order in which, without the lock, `other` would change what
    `holder` had already counted.
    """
    results: list = [None, None]
    done = threading.Event()

    def run(index, call):
        if index == 0:
            held.holder = threading.get_ident()
        try:
            results[index] = call()
        except BaseException as error:
            results[index] = error
        finally:
            if index == 1:
                done.set()
            held.reached.set()  # a holder that failed before its hold must not hang the test
            connections.close_all()

    first = threading.Thread(target=run, args=(0, holder))
    first.start()
    assert held.reached.wait(GIVE_UP_AFTER)
    second = threading.Thread(target=run, args=(1, other))
    second.start()
    for _ in range(GIVE_UP_AFTER * 20):
        if done.wait(0.05):
            break
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
    held.release()
    first.join()
    second.join()
    return results


def test_a_purge_and_the_same_persons_new_submission_at_once_leave_them_counted(
    postgresql_only, checklist, council, councillor, monkeypatch, settings
):
    """The purge deletes the councillor's old assessment while they submit a new one: the
    purge locks them first, so the submission waits and then counts them anew, instead of
    finding the old one still there (the purge then taking the councillor out)."""
    settings.DATA_RETENTION_DAYS = 365
    submit(councillor, checklist, submitted_at=timezone.now() - datetime.timedelta(days=400))
    draft = ready_to_submit(councillor, checklist)
    held = HeldAfter(monkeypatch, overview_counts, "_contribution")

    results = run_while_held(
        held,
        lambda: data_rights.purge_apply(data_rights.purge_plan()),
        lambda: submit_draft(*draft),
    )

    assert isinstance(results[1], Assessment) and results[1].is_submitted, results
    assert not isinstance(results[0], BaseException), results
    assert Assessment.objects.filter(owner=councillor).count() == 1
    assert overview_counts.overview_counts_agree()
    row = CouncilSubmissions.objects.get(council=council)
    assert (row.people, row.assessments) == (1, 1)


def test_a_rebuild_and_a_submission_at_once_keep_the_submission(
    postgresql_only, checklist, council, councillor, second_councillor, monkeypatch
):
    """The rebuild locks the counts before it recounts, so a submission waits and adds itself
    after, instead of adding itself between the recount and the rebuild's write."""
    submit(councillor, checklist)
    CouncilSubmissions.objects.filter(council=council).update(assessments=5)  # to rebuild
    draft = ready_to_submit(second_councillor, checklist)
    held = HeldAfter(monkeypatch, overview_counts, "overview_counts_recount")

    results = run_while_held(
        held,
        lambda: overview_counts.overview_counts_rebuild(),
        lambda: submit_draft(*draft),
    )

    assert isinstance(results[1], Assessment), results
    assert overview_counts.overview_counts_agree()
    row = CouncilSubmissions.objects.get(council=council)
    assert (row.people, row.assessments) == (2, 2)
