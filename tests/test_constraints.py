"""
The invariants the database itself keeps (STYLE.md 17): each bad row is refused by a constraint,
whatever code writes it, and the forms in front of them turn the same rule into a plain message.

Each refusal is tried with a plain `.objects.create`, inside its own `transaction.atomic()` so that
on PostgreSQL the test's transaction stays usable after the error.
"""

import datetime
import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from assessments import groups, invitations
from assessments.forms.accounts import AccountPasswordResetForm, InvitationForm, SignInForm
from assessments.models import CouncillorGroup, Invitation, Question, User
from assessments.versioning import checklist_copy_as_draft
from tests.builders import PASSWORD
from tests.test_admin import form_data

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "checklist.json"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


# --- A question code is unique in its checklist version ----------------------------------------


def new_question(area, code, **fields):
    return Question.objects.create(
        area=area, code=code, order=fields.pop("order", 90), summary="S", text="Do you?", **fields
    )


def test_the_database_refuses_a_question_code_used_in_another_area_of_the_same_version(checklist):
    other_area = checklist.areas.get(code="delivery")

    with pytest.raises(IntegrityError), transaction.atomic():
        new_question(other_area, "encourage-creativity")


def test_the_database_refuses_a_question_code_used_twice_in_one_area(checklist):
    with pytest.raises(IntegrityError), transaction.atomic():
        new_question(checklist.areas.get(code="climate"), "encourage-creativity")


def test_the_database_refuses_a_repeated_code_from_bulk_create_too(checklist):
    area = checklist.areas.get(code="delivery")

    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.bulk_create(
            [Question(area=area, code="persist", order=91, summary="S", text="Do you?")]
        )


def test_another_version_may_use_the_same_codes(checklist):
    copy = checklist_copy_as_draft(checklist=checklist)

    assert set(copy.questions.values_list("code", flat=True)) == set(
        checklist.questions.values_list("code", flat=True)
    )
    assert not Question.objects.filter(checklist=copy).exclude(area__checklist=copy).exists()


def test_a_question_created_in_an_area_takes_the_areas_version(checklist):
    question = new_question(checklist.areas.get(code="climate"), "a-new-idea")

    assert question.checklist == checklist
    assert Question.objects.get_by_natural_key(checklist.number, "a-new-idea") == question


def test_a_question_cannot_be_created_in_one_version_and_an_area_of_another(checklist):
    copy = checklist_copy_as_draft(checklist=checklist)

    with pytest.raises(ValueError, match="must be its area's checklist"):
        new_question(copy.areas.get(code="climate"), "a-new-idea", checklist=checklist)
    with pytest.raises(ValueError, match="must be its area's checklist"):
        Question.objects.bulk_create(
            [
                Question(
                    area=copy.areas.get(code="climate"),
                    checklist=checklist,
                    code="a-new-idea",
                    order=91,
                    summary="S",
                    text="Do you?",
                )
            ]
        )


def test_every_question_in_the_fixture_names_its_areas_checklist_version():
    objects = json.loads(FIXTURE.read_text())
    questions = [o["fields"] for o in objects if o["model"] == "assessments.question"]

    assert len(questions) == 20
    assert all(q["checklist"] == q["area"][:1] for q in questions)


def test_an_admin_adding_a_question_on_its_own_page_saves_it_in_the_areas_version(
    admin_client, checklist
):
    draft = checklist_copy_as_draft(checklist=checklist)
    area = draft.areas.get(code="delivery")

    response = admin_client.post(
        reverse("admin:assessments_question_add"),
        {
            "area": area.pk,
            "code": "a-new-idea",
            "order": 9,
            "summary_en_gb": "S",
            "text_en_gb": "Do you?",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Question.objects.get(code="a-new-idea").checklist == draft


def test_an_admin_adding_a_question_on_its_areas_page_saves_it_in_the_areas_version(
    admin_client, checklist
):
    draft = checklist_copy_as_draft(checklist=checklist)
    area = draft.areas.get(code="delivery")
    url = reverse("admin:assessments_area_change", args=[area.pk])
    data = form_data(admin_client.get(url))
    new = int(data["questions-TOTAL_FORMS"])
    data["questions-TOTAL_FORMS"] = str(new + 1)
    data.update(
        {
            f"questions-{new}-order": "9",
            f"questions-{new}-code": "a-new-idea",
            f"questions-{new}-summary_en_gb": "S",
            f"questions-{new}-text_en_gb": "Do you?",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    assert Question.objects.get(code="a-new-idea").checklist == draft


def test_the_admin_refuses_two_new_questions_with_one_code_on_an_areas_page_plainly(
    admin_client, checklist
):
    draft = checklist_copy_as_draft(checklist=checklist)
    area = draft.areas.get(code="delivery")
    url = reverse("admin:assessments_area_change", args=[area.pk])
    data = form_data(admin_client.get(url))
    first = int(data["questions-TOTAL_FORMS"])
    data["questions-TOTAL_FORMS"] = str(first + 2)
    for n in (first, first + 1):
        data.update(
            {
                f"questions-{n}-order": str(20 + n),
                f"questions-{n}-code": "a-new-idea",
                f"questions-{n}-summary": "S",
                f"questions-{n}-text": "Do you?",
            }
        )

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Two questions on this page use this code" in response.content.decode()
    assert not Question.objects.filter(code="a-new-idea").exists()


def test_the_admin_refuses_a_code_from_another_area_of_the_version_on_an_areas_page(
    admin_client, checklist
):
    draft = checklist_copy_as_draft(checklist=checklist)
    area = draft.areas.get(code="delivery")
    url = reverse("admin:assessments_area_change", args=[area.pk])
    page = admin_client.get(url)
    data = form_data(page)
    index = next(
        i
        for i, form in enumerate(page.context["inline_admin_formsets"][0].formset.forms)
        if form.instance.code == "persist"
    )
    data[f"questions-{index}-code"] = "encourage-creativity"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "already uses this code" in response.content.decode()
    assert Question.objects.filter(checklist=draft, code="persist").exists()


# --- A group's name is unique in its council, regardless of case -------------------------------


@pytest.fixture
def cabinet(checklist, council):
    return groups.group_create(council=council, name="Cabinet")


def test_the_database_refuses_a_group_name_in_another_case_in_the_same_council(cabinet):
    with pytest.raises(IntegrityError), transaction.atomic():
        CouncillorGroup.objects.create(
            council=cabinet.council, name="CABINET", checklist=cabinet.checklist
        )


def test_another_council_may_have_a_group_of_the_same_name(cabinet, other_council):
    CouncillorGroup.objects.create(
        council=other_council, name="cabinet", checklist=cabinet.checklist
    )

    assert CouncillorGroup.objects.filter(name__iexact="cabinet").count() == 2


def test_creating_a_group_that_meets_the_constraint_gives_the_forms_message(cabinet, council):
    with pytest.raises(groups.GroupError) as refusal:
        groups.group_create(council=council, name="cabinet")

    assert str(refusal.value) == "Northshire County Council already has a group called “cabinet”"
    # The refused insert ran in a savepoint: the rest of the transaction goes on.
    assert CouncillorGroup.objects.filter(council=council).count() == 1


def test_renaming_a_group_to_another_groups_name_gives_the_forms_message(cabinet, council):
    scrutiny = groups.group_create(council=council, name="Scrutiny")

    with pytest.raises(groups.GroupError, match="already has a group called “CABINET”"):
        groups.group_update(
            group=scrutiny, name="CABINET", description="", facilitator=None, status="open"
        )

    assert scrutiny.name == "Scrutiny"
    scrutiny.refresh_from_db()
    assert scrutiny.name == "Scrutiny"


def test_a_group_may_be_renamed_to_its_own_name_in_another_case(cabinet):
    groups.group_update(
        group=cabinet, name="CABINET", description="", facilitator=None, status="open"
    )

    cabinet.refresh_from_db()
    assert cabinet.name == "CABINET"


# --- At most one live invitation per person ----------------------------------------------------


def new_invitation(user, token_hash, **fields):
    return Invitation.objects.create(
        user=user,
        token_hash=token_hash,
        expires_at=timezone.now() + datetime.timedelta(days=7),
        **fields,
    )


@pytest.fixture
def invited(council, officer):
    return invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )


def test_the_database_refuses_a_second_live_invitation_for_one_person(invited):
    with pytest.raises(IntegrityError), transaction.atomic():
        new_invitation(invited.user, "second")


def test_accepted_and_revoked_invitations_do_not_count_as_live(invited):
    Invitation.objects.filter(pk=invited.pk).update(revoked_at=timezone.now())
    new_invitation(invited.user, "accepted", accepted_at=timezone.now())
    new_invitation(invited.user, "live")

    assert invited.user.invitations.count() == 3


def test_resending_revokes_the_live_invitation_before_it_creates_the_new_one(invited, officer):
    new = invitations.invitation_resend(invitation=invited, invited_by=officer)

    invited.refresh_from_db()
    assert invited.revoked_at is not None
    assert list(live_invitations(invited.user)) == [new]


def live_invitations(user):
    return Invitation.objects.filter(user=user, accepted_at=None, revoked_at=None)


def test_an_invitation_whose_check_was_overtaken_gives_the_checks_message(
    invited, council, officer, monkeypatch
):
    # As if another officer's request had created the account just after this one checked:
    # the first check passes, the one after the refused insert is the real one.
    check = invitations.invitation_refusal
    calls = []

    def overtaken_check(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else check(**kwargs)

    monkeypatch.setattr(invitations, "invitation_refusal", overtaken_check)

    with pytest.raises(invitations.InvitationError) as refusal:
        invitations.invitation_create(
            council=council, full_name="Nia Jones", email="NIA@example.org", invited_by=officer
        )

    assert str(refusal.value) == (
        "nia@example.org has already been invited to Northshire County Council. "
        "To send them a new link, use “Send a new invitation” beside their name."
    )
    assert len(calls) == 2
    assert User.objects.filter(email__iexact="nia@example.org").count() == 1


# --- One account per email address, regardless of case ----------------------------------------


def test_the_database_refuses_an_account_for_an_address_already_used_in_another_case(councillor):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email=councillor.email.upper(), full_name="Alex Again")


def test_the_email_migration_lower_cases_the_addresses_already_stored(councillor):
    User.objects.filter(pk=councillor.pk).update(email="Alex.Councillor@EXAMPLE.org")
    migration = importlib.import_module("assessments.migrations.0009_lower_case_emails")

    migration.lower_case_emails(django_apps, None)

    councillor.refresh_from_db()
    assert councillor.email == "alex.councillor@example.org"


def user_change_data(user, **changes) -> dict:
    """What the admin's account page posts for `user` as it stands, with `changes`."""
    joined = timezone.localtime(user.date_joined)
    return {
        "email": user.email,
        "full_name": user.full_name,
        "council": user.council_id or "",
        "role": user.role,
        "is_active": "on",
        "date_joined_0": joined.date().isoformat(),
        "date_joined_1": joined.time().replace(microsecond=0).isoformat(),
        **changes,
    }


def test_the_admins_change_form_stores_the_address_lower_cased(admin_client, councillor):
    url = reverse("admin:assessments_user_change", args=[councillor.pk])
    data = user_change_data(councillor, email="S1@TINY.TEST")

    response = admin_client.post(url, data)

    assert response.status_code == 302
    councillor.refresh_from_db()
    assert councillor.email == "s1@tiny.test"


def test_the_admins_change_form_refuses_another_accounts_address_in_another_case(
    admin_client, councillor, second_councillor
):
    url = reverse("admin:assessments_user_change", args=[councillor.pk])
    data = user_change_data(councillor, email=second_councillor.email.upper())

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "An account with this email address already exists."
    ]
    councillor.refresh_from_db()
    assert councillor.email == "alex.councillor@example.org"


def test_the_admins_add_form_refuses_an_address_in_use_in_another_case(admin_client, councillor):
    response = admin_client.post(
        reverse("admin:assessments_user_add"),
        {
            "email": councillor.email.upper(),
            "full_name": "Alex Again",
            "role": "councillor",
            "password1": "a long enough new password",
            "password2": "a long enough new password",
        },
    )

    assert response.status_code == 200
    assert "An account with this email address already exists." in response.content.decode()
    assert User.objects.filter(email__iexact=councillor.email).count() == 1


@pytest.mark.parametrize(
    "form",
    [
        lambda data: SignInForm(RequestFactory().post("/"), data={**data, "password": PASSWORD}),
        lambda data: AccountPasswordResetForm(data=data),
        lambda data: InvitationForm(data={**data, "full_name": "Nia"}, choose_council=False),
    ],
    ids=["sign-in", "password reset", "invitation"],
)
def test_every_form_that_takes_an_address_gives_it_lower_cased(councillor, form):
    bound = form({"email": "Alex.Councillor@Example.ORG"})

    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["email"] == "alex.councillor@example.org"


def test_an_invitation_posted_in_capitals_is_stored_lower_cased(client, officer):
    client.force_login(officer)

    client.post(
        reverse("assessments:invite"), {"full_name": "Nia Jones", "email": "NIA@Example.org"}
    )

    assert User.objects.get(full_name="Nia Jones").email == "nia@example.org"
