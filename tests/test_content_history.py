"""
The history of the checklist content in admin: every edit to a version, area, key action, quote
or answer option is kept with who made it, when, and the wording before and after; it can be
read but never reverted.
"""

import pytest
from django.urls import reverse

from assessments.models import AnswerOption, Question, Quote
from assessments.versioning import checklist_copy_as_draft
from tests.test_admin import admin_client, change_url, form_data  # noqa: F401  (a fixture)

OLD_TEXT = "Do you persist, persist, persist?"
NEW_TEXT = "Do you keep going when innovations meet barriers?"


def history_url(obj) -> str:
    return reverse(f"admin:assessments_{obj._meta.model_name}_history", args=[obj.pk])


@pytest.fixture
def draft_version(checklist):
    return checklist_copy_as_draft(checklist=checklist)


@pytest.fixture
def reworded(admin_client, draft_version):  # noqa: F811
    """A draft key action whose question an admin reworded on its own page."""
    question = Question.objects.get(area__checklist=draft_version, code="persist")
    assert question.text == OLD_TEXT
    # The wording as it was before the edit, recorded (a copy records its own, from publishing).
    question.save()
    data = form_data(admin_client.get(change_url(question)))
    data["text_en_gb"] = NEW_TEXT
    # A browser sends a text box's lines back with Windows line endings.
    data["discussion_prompts_en_gb"] = data["discussion_prompts_en_gb"].replace("\n", "\r\n")
    response = admin_client.post(change_url(question), data)
    assert response.status_code == 302, response.context["errors"]
    return question


def test_rewording_a_question_in_admin_records_who_did_it_and_both_wordings(reworded, admin_user):
    latest = reworded.history.latest()

    assert latest.history_type == "~"
    assert latest.history_user == admin_user
    assert latest.text_en_gb == NEW_TEXT
    assert latest.prev_record is not None
    assert latest.prev_record.text_en_gb == OLD_TEXT


def test_the_history_page_of_a_question_shows_the_admins_name_and_both_wordings(
    admin_client,  # noqa: F811
    reworded,
    django_assert_max_num_queries,
):
    with django_assert_max_num_queries(12):
        response = admin_client.get(history_url(reworded))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Robin Admin (admin@example.org)" in html
    assert OLD_TEXT in html
    assert NEW_TEXT in html
    assert "Before:" in html and "After:" in html


def test_a_councillor_is_sent_to_the_admin_sign_in_from_a_history_page(
    client, councillor, reworded
):
    client.force_login(councillor)

    response = client.get(history_url(reworded))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_an_anonymous_person_is_sent_to_the_admin_sign_in_from_a_history_page(client, reworded):
    client.logout()

    response = client.get(history_url(reworded))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("assessments:sign_in"))


def test_a_history_page_of_an_unknown_object_is_not_found(admin_client, checklist):  # noqa: F811
    response = admin_client.get(reverse("admin:assessments_question_history", args=[999999]))

    assert response.status_code == 404


def test_history_cannot_be_reverted(admin_client, reworded):  # noqa: F811
    old = reworded.history.earliest()
    revert_url = reverse(
        "admin:assessments_question_simple_history", args=[reworded.pk, old.history_id]
    )

    assert admin_client.get(revert_url).status_code == 403
    assert admin_client.post(revert_url, {"text": OLD_TEXT}).status_code == 403
    assert revert_url not in admin_client.get(history_url(reworded)).content.decode()
    reworded.refresh_from_db()
    assert reworded.text == NEW_TEXT


def test_a_version_with_answers_cannot_be_changed_through_its_history(
    admin_client,  # noqa: F811
    submitted,
):
    question = Question.objects.get(area__checklist=submitted.checklist, code="persist")
    question.text = "Changed before anyone answered"
    question.save()
    Question.objects.filter(pk=question.pk).update(text=OLD_TEXT)
    record = question.history.earliest()
    revert_url = reverse(
        "admin:assessments_question_simple_history", args=[question.pk, record.history_id]
    )

    response = admin_client.post(revert_url, {"text": "Changed after answers"})

    assert response.status_code == 403
    question.refresh_from_db()
    assert question.text == OLD_TEXT


def test_a_quote_edit_is_recorded_with_its_author(admin_client, draft_version, admin_user):  # noqa: F811
    quote = Quote.objects.filter(area__checklist=draft_version).first()
    data = form_data(admin_client.get(change_url(quote)))
    data["text_en_gb"] = "Innovation is a team game."

    response = admin_client.post(change_url(quote), data)

    assert response.status_code == 302, response.context["errors"]
    latest = quote.history.latest()
    assert latest.history_user == admin_user
    assert latest.text_en_gb == "Innovation is a team game."
    html = admin_client.get(history_url(quote)).content.decode()
    assert "Innovation is a team game." in html
    assert "Robin Admin" in html


def test_an_answer_option_edit_is_recorded_and_shown_on_its_versions_history(
    admin_client,  # noqa: F811
    draft_version,
    admin_user,
    django_assert_max_num_queries,
):
    AnswerOption.objects.get(checklist=draft_version, code="partly").save()  # as it was
    page = admin_client.get(change_url(draft_version))
    data = form_data(page)
    forms = page.context["inline_admin_formsets"][0].formset.forms
    index = next(i for i, f in enumerate(forms) if f.instance.code == "partly")
    data[f"answer_options-{index}-hint_en_gb"] = "Some of the time, in some places."

    response = admin_client.post(change_url(draft_version), data)

    assert response.status_code == 302, response.context["errors"]
    option = AnswerOption.objects.get(checklist=draft_version, code="partly")
    latest = option.history.latest()
    assert latest.history_user == admin_user
    assert latest.hint_en_gb == "Some of the time, in some places."
    with django_assert_max_num_queries(14):
        html = admin_client.get(history_url(draft_version)).content.decode()
    assert "Answer scale" in html
    assert "Some of the time, in some places." in html
    assert "You do some of this, or not always." in html
    assert "Robin Admin (admin@example.org)" in html


def test_answers_and_people_have_no_history():
    from assessments import models

    for name in ["Answer", "Assessment", "ActionStep", "User", "Council", "GroupAgreement"]:
        assert not hasattr(getattr(models, name), "history"), name


def test_a_text_sent_back_with_other_line_endings_is_not_listed_as_changed(
    admin_client,  # noqa: F811
    reworded,
):
    html = admin_client.get(history_url(reworded)).content.decode()

    assert "\r\n" in reworded.history.latest().discussion_prompts_en_gb
    assert "Discussion prompts" not in html
