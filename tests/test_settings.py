"""The settings module: safe defaults, and production values taken from the environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from assessments.checks import check_site_url
from assessments.models import ActionStep, ChecklistVersion, User

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "innovation.example.org",
    "DATABASE_URL": "sqlite:////tmp/innovation-deploy-check.sqlite3",
    # Production sends real email: without EMAIL_HOST the deploy check reports mail.E001.
    "EMAIL_HOST": "smtp.example.org",
    # Links in emails start with it; the development default is refused (assessments.E001).
    "SITE_URL": "https://innovation.example.org",
    # The cache every worker and app server shares (assessments.W001 without it).
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Only what a process needs to run: nothing of the test session's own environment
    # (SECRET_KEY, DEBUG, DATABASE_URL, DJANGO_ALLOW_ASYNC_UNSAFE …) leaks into the check.
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = run_manage("check", env={"DEBUG": "false"})

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_deploy_check_is_clean_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


NOTIFY_ENV = {
    "NOTIFY_API_KEY": "live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
    "NOTIFY_TEMPLATE_INVITATION": "11111111-1111-1111-1111-111111111111",
    "NOTIFY_TEMPLATE_PASSWORD_RESET": "22222222-2222-2222-2222-222222222222",
    "NOTIFY_TEMPLATE_COMPLETION_REMINDER": "33333333-3333-3333-3333-333333333333",
    "NOTIFY_TEMPLATE_STEP_REMINDER": "44444444-4444-4444-4444-444444444444",
    "NOTIFY_TEMPLATE_GROUP_ADDED": "55555555-5555-5555-5555-555555555555",
    "NOTIFY_TEMPLATE_GROUP_REMINDER": "66666666-6666-6666-6666-666666666666",
    "NOTIFY_TEMPLATE_SIGN_IN_LINK": "77777777-7777-7777-7777-777777777777",
}
# And each in Welsh.
NOTIFY_ENV |= {
    f"{name}_CY": "c" + value[1:]
    for name, value in NOTIFY_ENV.items()
    if name.startswith("NOTIFY_TEMPLATE_")
}


def test_deploy_check_is_clean_with_notify_and_no_smtp_server():
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != "EMAIL_HOST"}

    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env={**env, **NOTIFY_ENV})

    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_warns_with_notify_and_no_welsh_template():
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != "EMAIL_HOST"}
    notify = {**NOTIFY_ENV, "NOTIFY_TEMPLATE_STEP_REMINDER_CY": ""}

    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env={**env, **notify})

    assert result.returncode != 0
    assert "NOTIFY_TEMPLATE_STEP_REMINDER_CY" in result.stdout + result.stderr


def test_deploy_check_refuses_notify_without_every_template_id():
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != "EMAIL_HOST"}
    notify = {**NOTIFY_ENV, "NOTIFY_TEMPLATE_PASSWORD_RESET": ""}

    result = run_manage("check", "--deploy", env={**env, **notify})

    assert result.returncode != 0
    assert "assessments.E002" in result.stderr
    assert "NOTIFY_TEMPLATE_PASSWORD_RESET" in result.stderr


def test_deploy_check_warns_when_the_cache_is_not_shared():
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != "REDIS_URL"}

    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode != 0
    assert "assessments.W001" in result.stderr
    assert "REDIS_URL" in result.stderr


def test_deploy_check_refuses_production_without_a_site_url():
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != "SITE_URL"}

    result = run_manage("check", "--deploy", env=env)

    assert result.returncode != 0
    assert "assessments.E001" in result.stderr
    assert "http://127.0.0.1:8000" in result.stderr


@pytest.mark.parametrize(
    ("site_url", "accepted"),
    [
        ("https://innovation.example.org", True),
        ("https://innovation.example.org:8443", True),
        ("http://innovation.example.org", False),
        ("http://127.0.0.1:8000", False),
        ("https://innovation.example.org/innovation", False),
        ("https://innovation.example.org?next=/", False),
        ("innovation.example.org", False),
        ("https://", False),
        ("", False),
    ],
)
def test_the_site_url_deploy_check_wants_an_https_address_and_nothing_after_the_host(
    settings, site_url, accepted
):
    settings.SITE_URL = site_url

    assert (check_site_url(None) == []) is accepted


def test_seed_demo_creates_the_demo_accounts_listed_in_the_readme(db, settings):
    settings.DEBUG = True

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)

    readme = (ROOT / "README.md").read_text()
    for email, password in [
        ("councillor@example.org", "councillor-demo-password"),
        ("returning-councillor@example.org", "returning-demo-password"),
        ("officer@example.org", "officer-demo-password"),
        ("admin@example.org", "admin-demo-password"),
    ]:
        user = User.objects.get(email=email)
        assert user.check_password(password)
        assert email in readme and password in readme
    assert User.objects.get(email="admin@example.org").is_staff
    assert ChecklistVersion.objects.published().number == 1
    # Run twice, the returning councillor still has one assessment of a year ago, with its plan.
    returning = User.objects.get(email="returning-councillor@example.org")
    (last_year,) = returning.assessments.all()
    assert last_year.is_submitted
    assert (timezone.now() - last_year.submitted_at).days >= 364
    steps = ActionStep.objects.filter(answer__assessment=last_year)
    assert steps.count() == 4 and steps.filter(is_focus=True).count() == 3
    assert not User.objects.get(email="councillor@example.org").assessments.exists()


def test_seed_demo_refuses_to_run_when_debug_is_off(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")

    assert not User.objects.exists()
