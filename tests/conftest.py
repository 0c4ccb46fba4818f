"""
The cast every test draws on: the published checklist from the fixtures, two councils, and the
personas of STYLE.md (a councillor, a second councillor in the same council, a councillor of
another council, an officer of each council, and an admin).
"""

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.core.management import call_command
from django.dispatch import receiver
from django.test import override_settings
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments.answering import assessment_start
from assessments.models import Assessment, ChecklistVersion, Council, User
from tests import cache_helpers
from tests.builders import MIXED_ANSWERS, PASSWORD, make_user, submit
from tests.email_helpers import mail_server_down, run_tasks, smtp_inbox  # noqa: F401  (fixtures)

# The real worker process of tests/test_worker.py reads the test database from outside this
# process, which an in-memory SQLite database cannot be. So on SQLite the test database is a
# file, on the RAM disk where there is one (as fast as memory, so the suite keeps its speed),
# named by this process so that two runs at once never share one. pytest-django adds each xdist
# worker's suffix (_gw0, _gw1) to it, and deletes it at the end.
if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _ram = Path("/dev/shm")
    _folder = _ram if _ram.is_dir() else Path(tempfile.gettempdir())
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
        _folder / f"innovation-test-{os.getpid()}"
    )


def pytest_unconfigure(config):
    # Django deletes the database file at the end; SQLite's -wal and -shm files beside it are
    # left if a connection was still open then.
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        name = settings.DATABASES["default"]["TEST"]["NAME"]
        for leftover in (f"{name}-wal", f"{name}-shm"):
            Path(leftover).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def live_server_settings() -> Iterator[None]:
    # The live server is one per test session and builds its middleware once, when the first
    # test that needs it starts: whatever module that is, it must see plain HTTP, as the test
    # client does. (Were a non-browser test first with the HTTPS redirect on, every browser
    # test after it would follow a permanent redirect to an https:// port that has no TLS.)
    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


@pytest.fixture(scope="session")
def live_server(live_server_settings, live_server):
    return live_server


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # Tests run with DEBUG off, which turns the HTTPS redirect on; the test client speaks HTTP.
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(autouse=True)
def _english_to_begin_with() -> Iterator[None]:
    # LocaleMiddleware activates a request's language in the thread and leaves it there: a
    # test's Welsh request would make every later `reverse` Welsh, in this test and the next.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rendered PDFs are cached; no test may see another's.
    cache.clear()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the published checklist loaded once, as a fresh install loads it
    (`--reuse-db` loads it again: loading the fixture twice changes nothing)."""
    with django_db_blocker.unblock():
        call_command("loaddata", "checklist", verbosity=0)


@pytest.fixture
def checklist(db) -> ChecklistVersion:
    """The published checklist. Each test's transaction keeps the copy loaded with the database;
    a transactional test (live server, threads) empties the tables after it runs, so the next
    one loads the fixture again."""
    version = ChecklistVersion.objects.filter(status=ChecklistVersion.Status.PUBLISHED).first()
    if version is None:
        call_command("loaddata", "checklist", verbosity=0)
        version = ChecklistVersion.objects.published()
    return version


@pytest.fixture
def no_checklist(db) -> None:
    """A database without any checklist, as a fresh install has before `loaddata checklist`."""
    ChecklistVersion.objects.all().delete()


@pytest.fixture
def council(db) -> Council:
    return Council.objects.create(name="Northshire County Council", slug="northshire")


@pytest.fixture
def other_council(db) -> Council:
    return Council.objects.create(name="Southvale District Council", slug="southvale")


@pytest.fixture
def councillor(council) -> User:
    return make_user(email="alex.councillor@example.org", full_name="Alex Morgan", council=council)


@pytest.fixture
def second_councillor(council) -> User:
    return make_user(email="sam.councillor@example.org", full_name="Sam Patel", council=council)


@pytest.fixture
def other_councillor(other_council) -> User:
    return make_user(
        email="chris.councillor@example.org", full_name="Chris Evans", council=other_council
    )


@pytest.fixture
def officer(council) -> User:
    return make_user(
        email="jo.officer@example.org",
        full_name="Jo Williams",
        council=council,
        role=User.Role.OFFICER,
    )


@pytest.fixture
def other_officer(other_council) -> User:
    return make_user(
        email="pat.officer@example.org",
        full_name="Pat Hughes",
        council=other_council,
        role=User.Role.OFFICER,
    )


@receiver(user_logged_in, dispatch_uid="tests-force-login-keeps-the-otp-device")
def _force_login_keeps_the_device(sender, request, user, **kwargs):
    # django-otp does this itself when `login()` sets request.user, which Django 6.1 no longer
    # does for the test client's force_login (its request has no `user`).
    device = getattr(user, "otp_device", None)
    if device is not None:
        request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id


@pytest.fixture
def admin_user(db) -> User:
    """The admin, with an authenticator app set up as Django admin requires. `otp_device` on
    the object makes `client.force_login(admin_user)` a session that gave a code
    (`_force_login_keeps_the_device` below); the browser's sign-in gives a real code
    (tests/browser/helpers.py)."""
    admin = User.objects.create_superuser(
        email="admin@example.org", password=PASSWORD, full_name="Robin Admin", language="en-gb"
    )
    admin.otp_device = TOTPDevice.objects.create(user=admin, name="Phone", confirmed=True)
    return admin


@pytest.fixture
def draft(checklist, councillor) -> Assessment:
    """The councillor's draft assessment on the published checklist, nothing answered yet."""
    return assessment_start(owner=councillor, from_previous=False)


@pytest.fixture
def submitted(checklist, councillor) -> Assessment:
    """The councillor's submitted assessment, answered with MIXED_ANSWERS (10 Yes, 8 gaps, 2
    Not sure)."""
    return submit(councillor, checklist, MIXED_ANSWERS)


@pytest.fixture
def signed_in(client, councillor):
    """The test client, signed in as the councillor."""
    client.force_login(councillor)
    return client


# --- Caches: the tests' Redis database, and a Redis that is down (tests/cache_helpers.py) ------


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in the tests' Redis database, emptied afterwards."""
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    cache_helpers.delete_keys(prefix)


@pytest.fixture
def shared_redis(settings, redis_prefix) -> str:
    """The default cache is the real Redis, as with REDIS_URL set; returns the key prefix."""
    settings.CACHES = {"default": cache_helpers.cache_config(cache_helpers.REDIS_URL, redis_prefix)}
    return redis_prefix


@pytest.fixture
def redis_down(settings) -> str:
    """The default cache is a Redis that is down: nothing listens on its port."""
    location = f"redis://127.0.0.1:{cache_helpers.closed_port()}/0"
    settings.CACHES = {"default": cache_helpers.cache_config(location, "down")}
    return location
