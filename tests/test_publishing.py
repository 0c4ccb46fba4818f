"""Copy, compare and publish a checklist version in admin (assessments.admin.publishing), and
the publish rules of assessments.versioning: refusals change nothing, one publish wins."""

from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from assessments import versioning
from assessments.models import AnswerOption, Area, Assessment, ChecklistVersion, Question
from assessments.versioning import (
    VersioningError,
    checklist_copy_as_draft,
    checklist_publish,
    checklist_publish_problems,
)
from tests.builders import make_user, with_authenticator


def copy_url(version) -> str:
    return reverse("admin:assessments_checklistversion_copy", args=[version.pk])


def compare_url(version) -> str:
    return reverse("admin:assessments_checklistversion_compare", args=[version.pk])


def publish_url(version) -> str:
    return reverse("admin:assessments_checklistversion_publish", args=[version.pk])


def version_url(version) -> str:
    return reverse("admin:assessments_checklistversion_change", args=[version.pk])


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def second_admin(db):
    return with_authenticator(
        make_user(
            email="kim.admin@example.org",
            full_name="Kim Second",
            is_staff=True,
            is_superuser=True,
        )
    )


@pytest.fixture
def staff_without_permissions(db):
    return with_authenticator(
        make_user(email="lee.staff@example.org", full_name="Lee Staff", is_staff=True)
    )


@pytest.fixture
def edited_draft(checklist) -> ChecklistVersion:
    """Version 2, a copy of the published version with one key action reworded."""
    draft = checklist_copy_as_draft(checklist=checklist)
    Question.objects.filter(checklist=draft, code="encourage-creativity").update(
        text="Do you encourage creativity in everyone?"
    )
    return draft


def state() -> list[tuple]:
    """Every version's number, status and who published it: what a refusal must not change."""
    return list(
        ChecklistVersion.objects.order_by("number").values_list(
            "number", "status", "published_at", "published_by"
        )
    )


def post_publish(client, draft, expected):
    return client.post(
        publish_url(draft), {"expected_published": expected.pk if expected else ""}, follow=True
    )


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Who gets in -------------------------------------------------------------------------------


URLS = [
    ("copy", copy_url, "post"),
    ("compare", compare_url, "get"),
    ("publish", publish_url, "get"),
]


@pytest.mark.parametrize(("name", "url", "method"), URLS)
def test_anyone_not_signed_in_as_staff_is_sent_to_sign_in(
    client, councillor, edited_draft, name, url, method
):
    # Not signed in at all: the service's own sign-in (every page needs it); a councillor: the
    # admin's, which asks for a staff account.
    response = getattr(client, method)(url(edited_draft))
    assert response.status_code == 302
    assert response.url == f"{reverse('assessments:sign_in')}?next={url(edited_draft)}"

    client.force_login(councillor)
    response = getattr(client, method)(url(edited_draft))
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={url(edited_draft)}"
    assert ChecklistVersion.objects.count() == 2


@pytest.mark.parametrize(("name", "url", "method"), URLS)
def test_staff_without_the_permission_get_403(
    client, staff_without_permissions, edited_draft, name, url, method
):
    client.force_login(staff_without_permissions)

    assert getattr(client, method)(url(edited_draft)).status_code == 403
    assert ChecklistVersion.objects.count() == 2


def test_staff_who_may_only_view_versions_can_compare_but_not_copy_or_publish(
    client, staff_without_permissions, edited_draft
):
    staff_without_permissions.user_permissions.add(
        Permission.objects.get(codename="view_checklistversion")
    )
    client.force_login(staff_without_permissions)

    assert client.get(compare_url(edited_draft)).status_code == 200
    assert client.post(copy_url(edited_draft)).status_code == 403
    assert client.get(publish_url(edited_draft)).status_code == 403
    page = client.get(version_url(edited_draft)).content.decode()
    assert "Copy as new draft version" not in page
    assert publish_url(edited_draft) not in page


@pytest.mark.parametrize(("name", "url", "method"), URLS)
def test_an_unknown_version_is_404(admin_client, checklist, name, url, method):
    missing = ChecklistVersion(pk=9999)

    assert getattr(admin_client, method)(url(missing)).status_code == 404


def test_copy_is_post_only(admin_client, checklist):
    assert admin_client.get(copy_url(checklist)).status_code == 405
    assert ChecklistVersion.objects.count() == 1


def test_copy_and_publish_refuse_a_post_without_the_csrf_token(admin_user, edited_draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    before = state()

    assert client.post(copy_url(edited_draft)).status_code == 403
    assert client.post(publish_url(edited_draft), {"expected_published": ""}).status_code == 403
    assert state() == before


# --- The version page --------------------------------------------------------------------------


def test_a_draft_page_offers_copy_what_changed_and_publish_each_explained(
    admin_client, edited_draft
):
    page = admin_client.get(version_url(edited_draft)).content.decode()

    assert f'action="{copy_url(edited_draft)}"' in page
    assert "csrfmiddlewaretoken" in page
    assert f'href="{compare_url(edited_draft)}"' in page
    assert f'href="{publish_url(edited_draft)}"' in page
    assert "Compares this draft with the published version, in words." in page
    assert "Nothing is published until you do." in page


def test_the_published_version_page_offers_no_publish(admin_client, checklist):
    page = admin_client.get(version_url(checklist)).content.decode()

    assert f'action="{copy_url(checklist)}"' in page
    assert publish_url(checklist) not in page


def test_a_version_with_answers_offers_a_copy_beside_saying_why_it_is_read_only(
    admin_client, submitted
):
    page = admin_client.get(version_url(submitted.checklist)).content.decode()

    assert "has answers from councillors, so it cannot be changed" in page
    assert f'action="{copy_url(submitted.checklist)}"' in page


def test_the_copy_button_makes_a_draft_and_goes_to_its_page(admin_client, admin_user, checklist):
    response = admin_client.post(copy_url(checklist), follow=True)

    draft = ChecklistVersion.objects.get(number=2)
    assert response.redirect_chain == [(version_url(draft), 302)]
    assert draft.status == ChecklistVersion.Status.DRAFT
    assert "Version 1 copied as draft version 2." in page_messages(response)[0]
    record = draft.history.get()
    assert (record.history_user, record.history_change_reason) == (
        admin_user,
        "Copied from version 1",
    )


# --- What changed ------------------------------------------------------------------------------


def test_the_comparison_shows_a_drafts_changes_against_the_published_version(
    admin_client, edited_draft, django_assert_max_num_queries
):
    with django_assert_max_num_queries(16):
        page = admin_client.get(compare_url(edited_draft)).content.decode()

    assert "Version 2 compared with version 1 (published)" in page
    assert "1 key action reworded" in page
    assert "Before</th>" in page and "After</th>" in page
    assert "Do you encourage creativity in everyone?" in page
    assert "will be asked them again" in page or "will be asked it again" in page


def test_the_published_version_is_compared_with_the_one_it_was_copied_from(
    admin_client, admin_user, edited_draft
):
    checklist_publish(checklist=edited_draft, published_by=admin_user)

    page = admin_client.get(compare_url(edited_draft)).content.decode()

    assert "Version 2 compared with version 1 (retired)" in page
    assert "1 key action reworded" in page


def test_a_version_with_nothing_to_compare_with_says_so(admin_client, checklist):
    page = admin_client.get(compare_url(checklist)).content.decode()

    assert "There is nothing to compare version 1 with" in page


# --- The confirmation page ---------------------------------------------------------------------


def test_the_confirmation_page_shows_the_changes_the_drafts_and_one_button(
    admin_client, edited_draft, draft, django_assert_max_num_queries
):
    # The comparison is made once and handed to the publish checks: 18, not 26; and one more
    # for the admin's two-factor device, which Django admin checks on every page.
    with django_assert_max_num_queries(19):
        response = admin_client.get(publish_url(edited_draft))

    page = response.content.decode()
    assert "1 key action reworded" in page
    assert "1 assessment is in progress on version 1. It stays on version 1" in page
    assert "New assessments start on version 2." in page
    assert page.count('value="Publish version 2"') == 1
    published = ChecklistVersion.objects.published()
    assert f'name="expected_published" value="{published.pk}"' in page


def test_the_confirmation_page_lists_the_problems_with_links_and_no_button(
    admin_client, edited_draft
):
    empty_area = Area.objects.create(checklist=edited_draft, code="empty", order=9, title="Empty")

    page = admin_client.get(publish_url(edited_draft)).content.decode()

    assert "Version 2 cannot be published yet" in page
    assert (
        f'<a href="{reverse("admin:assessments_area_change", args=[empty_area.pk])}">'
        "The area “Empty” has no key actions." in page
    )
    assert 'value="Publish version 2"' not in page


def test_the_confirmation_page_of_a_version_that_is_not_a_draft_goes_back_to_it(
    admin_client, checklist
):
    response = admin_client.get(publish_url(checklist), follow=True)

    assert response.redirect_chain == [(version_url(checklist), 302)]
    assert page_messages(response) == ["Version 1 is published: only a draft can be published."]


# --- Publishing --------------------------------------------------------------------------------


def test_publishing_records_who_and_when_and_says_what_happened(
    admin_client, admin_user, checklist, edited_draft, draft
):
    response = post_publish(admin_client, edited_draft, checklist)

    edited_draft.refresh_from_db()
    checklist.refresh_from_db()
    assert response.redirect_chain == [(version_url(edited_draft), 302)]
    assert page_messages(response) == [
        "Version 2 is published: new assessments start on it. Version 1 is retired; the 1 "
        "draft started on it keeps it."
    ]
    assert (edited_draft.status, edited_draft.published_by) == ("published", admin_user)
    assert edited_draft.published_at is not None
    assert checklist.status == ChecklistVersion.Status.RETIRED
    draft.refresh_from_db()
    assert draft.checklist == checklist
    record = edited_draft.history.latest()
    assert (record.status, record.history_user, record.history_change_reason) == (
        "published",
        admin_user,
        "Published version 2",
    )
    assert checklist.history.latest().history_user == admin_user


def test_a_second_click_on_publish_gets_a_plain_message(admin_client, checklist, edited_draft):
    post_publish(admin_client, edited_draft, checklist)
    after_first = state()

    response = post_publish(admin_client, edited_draft, checklist)

    assert response.status_code == 200
    assert len(page_messages(response)) == 1
    assert page_messages(response)[0].startswith(
        "Version 2 is already published by Robin Admin on "
    )
    assert state() == after_first


def test_of_two_admins_publishing_other_drafts_one_wins_and_the_other_is_told(
    admin_client, second_admin, checklist, edited_draft
):
    other_draft = checklist_copy_as_draft(checklist=checklist)
    AnswerOption.objects.filter(checklist=other_draft, code="yes").update(hint="Always.")
    second = Client()
    second.force_login(second_admin)
    # Both confirmation pages are drawn while version 1 is published.
    admin_client.get(publish_url(edited_draft))
    second.get(publish_url(other_draft))

    post_publish(admin_client, edited_draft, checklist)
    after_first = state()
    response = post_publish(second, other_draft, checklist)

    message = page_messages(response)[0]
    assert message.startswith("Version 2 was published by Robin Admin on ")
    assert message.endswith(
        "while you were looking, so version 3 was not published. Compare again."
    )
    assert state() == after_first
    assert ChecklistVersion.objects.filter(status="published").count() == 1
    # They are back on the confirmation page, now comparing with version 2.
    assert response.redirect_chain == [(publish_url(other_draft), 302)]
    assert "Changes from version 2 to version 3" in response.content.decode()


def test_of_two_admins_publishing_the_same_draft_the_second_is_told_who_did(
    admin_client, second_admin, checklist, edited_draft
):
    second = Client()
    second.force_login(second_admin)

    post_publish(admin_client, edited_draft, checklist)
    response = post_publish(second, edited_draft, checklist)

    assert page_messages(response)[0].startswith("Version 2 is already published by Robin Admin")
    edited_draft.refresh_from_db()
    assert edited_draft.published_by.email == "admin@example.org"


def test_a_publish_that_meets_another_at_the_database_constraint_is_a_plain_refusal(
    admin_user, checklist, edited_draft
):
    before = state()

    # As if another admin's publish committed between this one's retiring the old version and
    # saving the new one: the old version is still published when the new one is saved.
    with (
        mock.patch.object(versioning, "_retire"),
        pytest.raises(VersioningError, match=r"Version 1 was published.* while you were looking"),
    ):
        checklist_publish(checklist=edited_draft, published_by=admin_user)

    assert state() == before


def test_without_its_guard_the_race_would_reach_the_database(admin_user, checklist, edited_draft):
    # The same race as above, shown to reach the constraint (so the test above tests the guard).
    with (
        mock.patch.object(versioning, "_retire"),
        mock.patch.object(versioning, "IntegrityError", KeyError),
        pytest.raises(IntegrityError),
    ):
        checklist_publish(checklist=edited_draft, published_by=admin_user)


def test_publishing_through_the_page_refuses_an_unchanged_draft_and_changes_nothing(
    admin_client, checklist
):
    unchanged = checklist_copy_as_draft(checklist=checklist)
    before = state()

    response = post_publish(admin_client, unchanged, checklist)

    assert page_messages(response)[0].startswith("Version 2 cannot be published yet: Nothing")
    assert state() == before


# --- What makes a publish wrong ----------------------------------------------------------------


def duplicate_question_code(draft):
    Question.objects.filter(checklist=draft, code="persist").update(code="Encourage-Creativity")


def duplicate_area_code(draft):
    Area.objects.filter(checklist=draft, code="delivery").update(code="Climate")


def no_areas(draft):
    draft.areas.all().delete()


def empty_area(draft):
    Question.objects.filter(checklist=draft, area__code="leadership").delete()


def no_answer_scale(draft):
    draft.answer_options.all().delete()


def nothing_scored(draft):
    draft.answer_options.update(points=None)


def priority_without_finding(draft):
    Question.objects.filter(checklist=draft, code="persist").update(research_finding="  ")


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            duplicate_question_code,
            "The key actions “Encourage creativity” and “Persist, persist, persist” have the same code "
            "(“encourage-creativity” and “Encourage-Creativity”). Give each key action its own code.",
        ),
        (
            duplicate_area_code,
            "The areas “Create the climate for innovation” and “Ensure priority innovations are "
            "delivered” have the same code (“climate” and “Climate”). Give each area its own code.",
        ),
        (no_areas, "Version 2 has no areas. Add its areas and their key actions."),
        (
            empty_area,
            "The area “Lead for innovation” has no key actions. Add one, or delete the area.",
        ),
        (no_answer_scale, "Version 2 has no answer scale. Add its answer options."),
        (nothing_scored, "None of the answer options of version 2 has points"),
        (
            priority_without_finding,
            "The key action “Persist, persist, persist” is a research priority without its research finding.",
        ),
    ],
)
def test_each_problem_is_named_and_refuses_the_publish_changing_nothing(
    admin_user, checklist, edited_draft, edit, problem
):
    edit(edited_draft)
    before = state()

    problems = [str(p) for p in checklist_publish_problems(checklist=edited_draft)]

    assert any(p.startswith(problem) for p in problems), problems
    with pytest.raises(VersioningError, match="Version 2 cannot be published yet"):
        checklist_publish(checklist=edited_draft, published_by=admin_user)
    assert state() == before


def test_an_edited_draft_has_no_problems(edited_draft):
    assert checklist_publish_problems(checklist=edited_draft) == []


def test_an_assessment_in_progress_keeps_its_version_after_a_publish(
    admin_client, checklist, edited_draft, draft
):
    post_publish(admin_client, edited_draft, checklist)

    assert Assessment.objects.get(pk=draft.pk).checklist == checklist
