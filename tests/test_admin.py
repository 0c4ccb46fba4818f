"""
Django admin for the checklist content, and the versioning rules of PRODUCT.md section 4: a
version with answers is read-only; admins copy it as a draft, edit the draft and publish it.
"""

import pytest
from django.urls import reverse

from assessments.models import Answer, Area, ChecklistVersion, Question, Quote
from assessments.versioning import checklist_copy_as_draft

CONTENT_MODELS = ["checklistversion", "area", "question", "quote"]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def form_data(response) -> dict:
    """The POST data the rendered admin change form would send as it stands: the main form, and
    every inline formset with its management form."""

    def add_form(data, form):
        for bound_field in form:
            value = bound_field.value()
            if value is None:
                value = ""
            if isinstance(value, bool):
                if value:
                    data[bound_field.html_name] = "on"
                continue
            data[bound_field.html_name] = value

    data = {}
    add_form(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add_form(data, formset.management_form)
        for form in formset.forms:
            add_form(data, form)
    return data


def change_url(obj) -> str:
    return reverse(f"admin:assessments_{obj._meta.model_name}_change", args=[obj.pk])


def changelist_url(model_name: str) -> str:
    return reverse(f"admin:assessments_{model_name}_changelist")


def run_action(client, action: str, *versions: ChecklistVersion):
    return client.post(
        changelist_url("checklistversion"),
        {"action": action, "_selected_action": [v.pk for v in versions]},
        follow=True,
    )


def publish(client, draft: ChecklistVersion):
    """Publish `draft` as an admin does: through its confirmation page's one button."""
    url = reverse("admin:assessments_checklistversion_publish", args=[draft.pk])
    expected = client.get(url).context["form"]["expected_published"].value()
    return client.post(url, {"expected_published": expected or ""}, follow=True)


def reword_a_question(draft: ChecklistVersion) -> None:
    """An edit, so that the draft is not the published version again (which is refused)."""
    Question.objects.filter(checklist=draft, code="encourage-creativity").update(
        text="Do you encourage creativity in everyone?"
    )


# --- Who gets in -------------------------------------------------------------------------------


@pytest.mark.parametrize("model_name", CONTENT_MODELS)
def test_every_content_changelist_opens_for_an_admin(admin_client, checklist, model_name):
    response = admin_client.get(changelist_url(model_name))

    assert response.status_code == 200


@pytest.mark.parametrize("model_name", CONTENT_MODELS)
def test_a_councillor_is_sent_to_the_admin_sign_in(client, councillor, checklist, model_name):
    client.force_login(councillor)

    response = client.get(changelist_url(model_name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_version_list_shows_status_and_how_many_assessments_use_each(admin_client, submitted):
    response = admin_client.get(changelist_url("checklistversion"))

    row = response.context["cl"].result_list[0]
    assert (row.number, row.status, row.assessment_count) == (1, "published", 1)


def test_questions_can_be_searched_and_filtered_by_area_and_research_priority(
    admin_client, checklist
):
    response = admin_client.get(changelist_url("question"), {"q": "licence"})
    assert [q.code for q in response.context["cl"].result_list] == ["space-to-test"]

    response = admin_client.get(changelist_url("question"), {"area": "delivery", "priority": "yes"})
    assert [q.code for q in response.context["cl"].result_list] == [
        "devote-resources",
        "involve-stakeholders",
        "monitor-progress",
        "persist",
    ]


def test_a_version_page_links_to_each_of_its_areas(admin_client, checklist):
    response = admin_client.get(change_url(checklist))

    for area in checklist.areas.all():
        assert change_url(area) in response.content.decode()


# --- Editing a draft ---------------------------------------------------------------------------


def test_an_admin_edits_a_draft_question_on_its_areas_page(admin_client, checklist):
    draft = checklist_copy_as_draft(checklist=checklist)
    area = draft.areas.get(code="climate")
    page = admin_client.get(change_url(area))
    data = form_data(page)
    index = next(
        i
        for i, f in enumerate(page.context["inline_admin_formsets"][0].formset.forms)
        if f.instance.code == "encourage-creativity"
    )
    data[f"questions-{index}-text_en_gb"] = "Do you encourage creativity in every team?"

    response = admin_client.post(change_url(area), data)

    assert response.status_code == 302, response.context["errors"]
    assert Question.objects.get(area=area, code="encourage-creativity").text == (
        "Do you encourage creativity in every team?"
    )
    assert Question.objects.get(area__checklist=checklist, code="encourage-creativity").text == (
        "Do you encourage creativity?"
    )


def test_an_admin_edits_a_draft_question_on_its_own_page(admin_client, checklist):
    draft = checklist_copy_as_draft(checklist=checklist)
    question = Question.objects.get(area__checklist=draft, code="persist")
    data = form_data(admin_client.get(change_url(question)))
    data["guidance_en_gb"] = "Keep going when it gets rocky."

    response = admin_client.post(change_url(question), data)

    assert response.status_code == 302
    question.refresh_from_db()
    assert question.guidance == "Keep going when it gets rocky."


def test_an_admin_links_a_draft_key_action_to_one_of_its_versions_quotes(admin_client, checklist):
    draft = checklist_copy_as_draft(checklist=checklist)
    question = Question.objects.get(area__checklist=draft, code="celebrate-achievements")
    page = admin_client.get(change_url(question))
    offered = list(page.context["adminform"].form.fields["quote"].queryset)
    quote = Quote.objects.get(area__checklist=draft, area__code="climate", order=7)
    data = form_data(page)
    data["quote"] = str(quote.pk)

    response = admin_client.post(change_url(question), data)

    assert response.status_code == 302
    assert {q.area.checklist_id for q in offered} == {draft.pk}
    question.refresh_from_db()
    assert question.quote == quote


def test_a_quote_from_another_version_is_refused_for_a_key_action(admin_client, checklist):
    draft = checklist_copy_as_draft(checklist=checklist)
    question = Question.objects.get(area__checklist=draft, code="celebrate-achievements")
    data = form_data(admin_client.get(change_url(question)))
    data["quote"] = str(Quote.objects.filter(area__checklist=checklist).first().pk)

    response = admin_client.post(change_url(question), data)

    assert response.status_code == 200
    assert "quote" in response.context["adminform"].form.errors
    question.refresh_from_db()
    assert question.quote is None


def test_a_copied_version_keeps_each_key_actions_quote_in_its_own_quotes(checklist):
    draft = checklist_copy_as_draft(checklist=checklist)

    for question in Question.objects.filter(area__checklist=draft).select_related("quote__area"):
        original = Question.objects.get(area__checklist=checklist, code=question.code)
        if original.quote is None:
            assert question.quote is None
        else:
            assert question.quote.area.checklist_id == draft.pk
            assert question.quote.text == original.quote.text


def test_a_question_code_already_used_in_another_area_of_the_version_is_refused(
    admin_client, checklist
):
    draft = checklist_copy_as_draft(checklist=checklist)
    question = Question.objects.get(area__checklist=draft, code="persist")
    data = form_data(admin_client.get(change_url(question)))
    data["code"] = "encourage-creativity"

    response = admin_client.post(change_url(question), data)

    assert response.status_code == 200
    assert "already uses this code" in str(response.context["adminform"].form.errors["code"])
    question.refresh_from_db()
    assert question.code == "persist"


def test_the_published_version_can_be_edited_until_someone_answers_it(admin_client, checklist):
    page = admin_client.get(change_url(checklist))
    data = form_data(page)
    data["title_en_gb"] = "Key Actions for Innovation"

    response = admin_client.post(change_url(checklist), data)

    assert response.status_code == 302
    checklist.refresh_from_db()
    assert checklist.title == "Key Actions for Innovation"


def test_a_new_area_can_only_go_into_a_version_that_can_still_change(admin_client, submitted):
    draft = checklist_copy_as_draft(checklist=submitted.checklist)

    response = admin_client.get(reverse("admin:assessments_area_add"))

    choices = response.context["adminform"].form.fields["checklist"].queryset
    assert list(choices) == [draft]


# --- A version with answers is read-only -------------------------------------------------------


def test_a_version_with_answers_shows_read_only_and_says_why(admin_client, submitted):
    checklist = submitted.checklist

    response = admin_client.get(change_url(checklist))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Version 1 has answers from councillors, so it cannot be changed." in html
    assert "Copy as new draft version" in html
    assert 'name="_save"' not in html
    assert 'name="title_en_gb"' not in html
    assert 'name="answer_options-0-label_en_gb"' not in html


def test_a_version_with_answers_cannot_be_changed_by_posting_to_it(admin_client, submitted):
    checklist = submitted.checklist
    data = {
        "title_en_gb": "Changed",
        "innovation_definition_en_gb": "Changed",
        "key_findings_en_gb": "Changed",
        "answer_options-TOTAL_FORMS": "0",
        "answer_options-INITIAL_FORMS": "0",
    }

    response = admin_client.post(change_url(checklist), data)

    assert response.status_code == 403
    checklist.refresh_from_db()
    assert checklist.title == "Council Leaders' Key Actions for Innovation"


@pytest.mark.parametrize("model", [Area, Question, Quote])
def test_the_areas_questions_and_quotes_of_a_version_with_answers_are_read_only(
    admin_client, submitted, model
):
    obj = model.objects.order_by("pk").first()
    before = model.objects.filter(pk=obj.pk).values().get()

    page = admin_client.get(change_url(obj))
    posted = admin_client.post(change_url(obj), {"text_en_gb": "Changed", "title_en_gb": "Changed"})

    html = page.content.decode()
    assert "Version 1 has answers from councillors, so it cannot be changed." in html
    assert 'name="_save"' not in html
    assert "<textarea" not in html
    assert posted.status_code == 403
    assert model.objects.filter(pk=obj.pk).values().get() == before


def test_a_version_with_answers_cannot_be_deleted(admin_client, submitted):
    checklist = submitted.checklist
    draft = checklist_copy_as_draft(checklist=checklist)
    reword_a_question(draft)
    # Publish the copy so that version 1 is no longer protected as the published one.
    publish(admin_client, draft)

    response = admin_client.post(
        reverse("admin:assessments_checklistversion_delete", args=[checklist.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert ChecklistVersion.objects.filter(pk=checklist.pk).exists()


def test_the_published_version_cannot_be_deleted_from_the_list(admin_client, checklist):
    admin_client.post(
        changelist_url("checklistversion"),
        {"action": "delete_selected", "_selected_action": [checklist.pk], "post": "yes"},
    )

    assert ChecklistVersion.objects.filter(pk=checklist.pk).exists()


def test_a_retired_version_is_read_only_even_without_answers(admin_client, checklist):
    run_action(admin_client, "copy_as_draft", checklist)
    reword_a_question(ChecklistVersion.objects.get(number=2))
    publish(admin_client, ChecklistVersion.objects.get(number=2))

    response = admin_client.get(change_url(checklist))

    assert "Version 1 is retired, so it cannot be changed." in response.content.decode()
    assert 'name="_save"' not in response.content.decode()


# --- Copy, edit, publish -----------------------------------------------------------------------


def test_an_admin_copies_a_version_as_a_new_draft(admin_client, submitted):
    checklist = submitted.checklist

    response = run_action(admin_client, "copy_as_draft", checklist)

    draft = ChecklistVersion.objects.get(number=2)
    assert draft.status == ChecklistVersion.Status.DRAFT
    assert draft.based_on == checklist
    assert Question.objects.filter(area__checklist=draft).count() == 20
    assert "Version 1 copied as draft version 2." in response.content.decode()
    assert 'name="_save"' in admin_client.get(change_url(draft)).content.decode()


def test_an_admin_publishes_a_draft_and_the_old_version_retires(admin_client, checklist):
    run_action(admin_client, "copy_as_draft", checklist)
    draft = ChecklistVersion.objects.get(number=2)
    reword_a_question(draft)

    response = publish(admin_client, draft)

    checklist.refresh_from_db()
    assert ChecklistVersion.objects.published() == draft
    assert checklist.status == ChecklistVersion.Status.RETIRED
    assert "Version 2 is published: new assessments start on it." in response.content.decode()


def test_publishing_a_version_that_is_not_a_draft_shows_an_error(admin_client, checklist):
    response = admin_client.get(
        reverse("admin:assessments_checklistversion_publish", args=[checklist.pk]), follow=True
    )

    assert "Version 1 is published: only a draft can be published." in (response.content.decode())
    assert ChecklistVersion.objects.published() == checklist


def test_the_version_list_has_no_publish_action_and_says_where_publishing_is(
    admin_client, checklist
):
    page = admin_client.get(changelist_url("checklistversion")).content.decode()

    assert 'value="publish"' not in page
    assert "To publish a draft, open it and choose “Publish”" in page


def test_an_old_assessment_keeps_its_questions_and_wording_after_a_new_version_is_published(
    admin_client, submitted
):
    original = submitted.checklist
    answers_before = list(
        submitted.answers.values_list("question_id", "question__text", "option__code")
    )

    # Copy, reword a question in the draft through its area's admin page, publish.
    run_action(admin_client, "copy_as_draft", original)
    draft = ChecklistVersion.objects.get(number=2)
    area = Area.objects.get(checklist=draft, code="delivery")
    page = admin_client.get(change_url(area))
    data = form_data(page)
    forms = page.context["inline_admin_formsets"][0].formset.forms
    index = next(i for i, f in enumerate(forms) if f.instance.code == "space-to-test")
    data[f"questions-{index}-text_en_gb"] = (
        "Do you give people room and permission to try new ways?"
    )
    assert admin_client.post(change_url(area), data).status_code == 302
    publish(admin_client, draft)

    submitted.refresh_from_db()
    assert submitted.checklist == original
    assert (
        list(submitted.answers.values_list("question_id", "question__text", "option__code"))
        == answers_before
    )
    assert Answer.objects.get(
        assessment=submitted, question__code="space-to-test"
    ).question.text == ("Do you provide space and licence to test new approaches?")
    published = ChecklistVersion.objects.published()
    assert published == draft
    assert Question.objects.get(area__checklist=published, code="space-to-test").text == (
        "Do you give people room and permission to try new ways?"
    )


def test_the_admin_index_does_not_list_djangos_permission_groups(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()

    assert "/admin/auth/group/" not in page


def test_an_accounts_page_has_no_permission_groups_field(admin_client, councillor):
    response = admin_client.get(reverse("admin:assessments_user_change", args=[councillor.pk]))

    assert response.status_code == 200
    assert "groups" not in response.context["adminform"].form.fields
