"""PDFs off the hot path: a task renders a report's PDF into the shared cache when it changes."""

import logging

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from assessments import action_plan, answering, exports, pdf, sharing
from assessments.cache import FailSoftRedisCache
from assessments.models import Assessment
from tests.builders import answer_all
from tests.cache_helpers import REDIS_URL, cache_config

WARM = "assessments.exports.report_pdf_warm"


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """Every WeasyPrint render, counted: the HTML of each call to `pdf.html_to_pdf`."""
    calls: list[str] = []
    real = pdf.html_to_pdf

    def counting(html: str) -> bytes:
        calls.append(html)
        return real(html)

    monkeypatch.setattr(pdf, "html_to_pdf", counting)
    return calls


def _queued() -> list[list]:
    """The arguments of each PDF-warming task waiting in the queue."""
    return [r.args_kwargs["args"] for r in DBTaskResult.objects.ready() if r.task_path == WARM]


@pytest.fixture
def run_worker(monkeypatch):
    """Runs the queued tasks here, as `manage.py db_worker` would, then returns."""
    # The worker drops any connection left inside a transaction between tasks (on PostgreSQL):
    # in a test that is the test's own, which must stay open.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> None:
        call_command("db_worker", batch=True, startup_delay=False, interval=0, reload=False)

    return run


def _submitted_through_the_service(django_capture_on_commit_callbacks, draft) -> Assessment:
    answer_all(draft)
    with django_capture_on_commit_callbacks(execute=True):
        return answering.assessment_submit(assessment=draft, revision=draft.revision)


def test_submitting_queues_the_pdf_and_the_download_is_then_a_cache_hit(
    client, draft, renders, django_capture_on_commit_callbacks, run_worker
):
    assessment = _submitted_through_the_service(django_capture_on_commit_callbacks, draft)
    assert _queued() == [[assessment.pk]]

    run_worker()

    assert len(renders) == 1
    assert DBTaskResult.objects.successful().filter(task_path=WARM).count() == 1
    client.force_login(assessment.owner)
    response = client.get(reverse("assessments:report_pdf", args=[assessment.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert len(renders) == 1  # the download rendered nothing


def test_a_download_before_the_task_ran_renders_in_the_request(client, submitted, renders):
    client.force_login(submitted.owner)
    response = client.get(reverse("assessments:report_pdf", args=[submitted.pk]))
    assert response.content.startswith(b"%PDF")
    assert len(renders) == 1


def test_running_the_task_twice_renders_once(submitted, renders):
    exports.report_pdf_warm.call(submitted.pk)
    exports.report_pdf_warm.call(submitted.pk)
    assert len(renders) == 1


def test_a_queue_that_cannot_take_the_task_does_not_fail_the_submission(
    draft, monkeypatch, django_capture_on_commit_callbacks
):
    class BrokenQueue:
        def enqueue(self, *args):
            raise RuntimeError("the queue is unavailable")

    monkeypatch.setattr(exports, "report_pdf_warm", BrokenQueue())
    assessment = _submitted_through_the_service(django_capture_on_commit_callbacks, draft)
    assert Assessment.objects.get(pk=assessment.pk).is_submitted


def test_a_refused_submission_queues_nothing(draft, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(answering.AssessmentIncomplete),
    ):
        answering.assessment_submit(assessment=draft, revision=draft.revision)
    assert _queued() == []


def test_saving_a_next_step_queues_the_pdf_again(submitted, django_capture_on_commit_callbacks):
    gap = submitted.answers.filter(option__points=0).first()
    with django_capture_on_commit_callbacks(execute=True):
        action_plan.action_step_save(answer=gap, seen=None, what="Ask the leader for a slot")
    assert _queued() == [[submitted.pk]]


def test_a_stale_next_step_queues_nothing(submitted, django_capture_on_commit_callbacks):
    gap = submitted.answers.filter(option__points=0).first()
    action_plan.action_step_save(answer=gap, seen=None, what="First")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(action_plan.StaleActionStep),
    ):
        action_plan.action_step_save(answer=gap, seen=None, what="Second tab")
    assert _queued() == []


def test_sharing_queues_the_pdf_for_the_officers(submitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sharing.report_share(assessment=submitted)
    assert _queued() == [[submitted.pk]]


def test_the_task_for_a_deleted_assessment_ends_quietly_with_a_log_line(submitted, renders, caplog):
    pk = submitted.pk
    submitted.delete()
    with caplog.at_level(logging.INFO, logger="assessments.exports"):
        exports.report_pdf_warm.call(pk)
    assert f"assessment {pk} no longer exists" in caplog.text
    assert "Traceback" not in caplog.text
    assert renders == []


def test_the_task_for_a_draft_ends_quietly_with_a_log_line(draft, renders, caplog):
    with caplog.at_level(logging.INFO, logger="assessments.exports"):
        exports.report_pdf_warm.call(draft.pk)
    assert f"assessment {draft.pk} is not submitted" in caplog.text
    assert renders == []


def test_the_task_for_a_deleted_assessment_succeeds_in_the_worker(
    submitted, django_capture_on_commit_callbacks, run_worker
):
    with django_capture_on_commit_callbacks(execute=True):
        exports.report_pdf_warm_on_commit(submitted.pk)
    submitted.delete()
    run_worker()
    assert DBTaskResult.objects.successful().filter(task_path=WARM).count() == 1


def test_a_pdf_rendered_on_server_a_is_a_cache_hit_on_server_b(
    submitted, renders, monkeypatch, redis_prefix
):
    # Two app servers: two cache clients of their own, on the same Redis.
    server_a = FailSoftRedisCache(REDIS_URL, cache_config(REDIS_URL, redis_prefix))
    server_b = FailSoftRedisCache(REDIS_URL, cache_config(REDIS_URL, redis_prefix))

    monkeypatch.setattr(exports, "cache", server_a)
    on_a = exports.report_pdf(submitted)
    monkeypatch.setattr(exports, "cache", server_b)
    on_b = exports.report_pdf(submitted)

    assert on_b == on_a
    assert len(renders) == 1


# --- One render per change, whoever asks -----------------------------------------------------


def test_a_download_that_finds_a_render_under_way_waits_for_it_instead_of_rendering(
    submitted, renders, monkeypatch
):
    key = exports.report_pdf_cache_key(submitted)
    cache.set(f"{key}:rendering", 1, 30)
    polls = []

    def elsewhere_finishes(seconds: float) -> None:  # the other process's render lands
        polls.append(seconds)
        cache.set(key, b"%PDF- rendered elsewhere", 60)

    monkeypatch.setattr(exports.time, "sleep", elsewhere_finishes)

    assert exports.report_pdf(submitted) == b"%PDF- rendered elsewhere"
    assert renders == []
    assert len(polls) == 1


def test_a_render_under_way_that_never_finishes_is_waited_for_only_so_long(
    submitted, renders, settings, monkeypatch
):
    settings.REPORT_PDF_WAIT = 0.5
    key = exports.report_pdf_cache_key(submitted)
    cache.set(f"{key}:rendering", 1, 30)
    monkeypatch.setattr(exports.time, "sleep", lambda seconds: None)
    clock = iter(range(1000))
    monkeypatch.setattr(exports.time, "monotonic", lambda: next(clock) / 10)

    content = exports.report_pdf(submitted)

    assert content.startswith(b"%PDF")
    assert len(renders) == 1
    assert cache.get(key) == content
    assert cache.get(f"{key}:rendering") is None  # its own mark is taken away when done


def test_a_cache_that_is_down_never_makes_a_download_wait(
    submitted, renders, redis_down, monkeypatch
):
    def no_waiting(seconds: float) -> None:
        raise AssertionError("waited for a render with the cache down")

    monkeypatch.setattr(exports.time, "sleep", no_waiting)

    assert exports.report_pdf(submitted).startswith(b"%PDF")
    assert len(renders) == 1
