"""
The cast every test draws on: the published checklist from the fixtures, two councils, and the
personas of STYLE.md (a councillor, a second councillor in the same council, a councillor of
another council, an officer of each council, and an admin).
"""

import pytest
from django.core.cache import cache
from django.core.management import call_command

from assessments.answering import assessment_start
from assessments.models import Assessment, ChecklistVersion, Council, User
from tests.builders import PASSWORD, make_user


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # Tests run with DEBUG off, which turns the HTTPS redirect on; the test client speaks HTTP.
    settings.SECURE_SSL_REDIRECT = False


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


@pytest.fixture
def checklist(db) -> ChecklistVersion:
    """The published checklist, loaded from the fixtures as a fresh install loads it."""
    call_command("loaddata", "checklist", verbosity=0)
    return ChecklistVersion.objects.published()


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


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser(
        email="admin@example.org", password=PASSWORD, full_name="Robin Admin"
    )


@pytest.fixture
def draft(checklist, councillor) -> Assessment:
    """The councillor's draft assessment on the published checklist, nothing answered yet."""
    return assessment_start(owner=councillor, from_previous=False)


@pytest.fixture
def signed_in(client, councillor):
    """The test client, signed in as the councillor."""
    client.force_login(councillor)
    return client
