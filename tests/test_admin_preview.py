"""
The admin's preview of a checklist version as a councillor sees it: its task list, each area's
page, Check your answers and a sample report, with made-up answers that are never saved.
"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from assessments.admin.preview import made_up_answers
from assessments.models import Answer, AnswerOption, Assessment, Question, Quote
from tests.builders import make_user, new_checklist_version, with_authenticator

PAGES = ["preview", "preview_area", "preview_check", "preview_report"]
FIRST_AREA = "climate"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def preview_url(page: str, version, area_code: str = FIRST_AREA) -> str:
    args = [version.pk, area_code] if page == "preview_area" else [version.pk]
    return reverse(f"admin:assessments_checklistversion_{page}", args=args)


def first_area_code(version) -> str:
    return version.areas.order_by("order").first().code


@pytest.fixture
def draft_version(checklist):
    """A draft copy of the published version with the first key action reworded and the first
    area's first quote changed."""
    version = new_checklist_version(
        checklist, reword={"encourage-creativity": "Do you reward creative thinking?"}
    )
    area = version.areas.order_by("order").first()
    Quote.objects.filter(area=area, order=area.quotes.order_by("order").first().order).update(
        text="A brand new quote for the draft"
    )
    return version


def test_the_first_area_code_is_the_one_the_tests_use(checklist):
    assert first_area_code(checklist) == FIRST_AREA


# --- Who may preview -----------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(client, checklist, page):
    response = client.get(preview_url(page, checklist))

    # Every page but a public one sends an anonymous visitor to the service's sign-in first.
    assert response.status_code == 302
    assert response.url.startswith(reverse("assessments:sign_in"))


@pytest.mark.parametrize("page", PAGES)
def test_a_councillor_is_sent_to_the_admin_sign_in(client, councillor, checklist, page):
    client.force_login(councillor)

    response = client.get(preview_url(page, checklist))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("page", PAGES)
def test_staff_without_permission_to_view_versions_are_refused(client, checklist, page):
    staff = with_authenticator(
        make_user(email="staff@example.org", full_name="Sam Staff", is_staff=True)
    )
    client.force_login(staff)

    assert client.get(preview_url(page, checklist)).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_staff_with_view_permission_only_can_preview(client, checklist, page):
    staff = with_authenticator(
        make_user(email="staff@example.org", full_name="Sam Staff", is_staff=True)
    )
    staff.user_permissions.add(Permission.objects.get(codename="view_checklistversion"))
    client.force_login(staff)

    assert client.get(preview_url(page, checklist)).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_an_admin_previews_every_page(admin_client, checklist, page):
    assert admin_client.get(preview_url(page, checklist)).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_an_unknown_version_is_not_found(admin_client, checklist, page):
    assert (
        admin_client.get(
            preview_url(page, checklist).replace(str(checklist.pk), "999999")
        ).status_code
        == 404
    )


def test_an_unknown_area_is_not_found(admin_client, checklist):
    assert (
        admin_client.get(preview_url("preview_area", checklist, "no-such-area")).status_code == 404
    )


@pytest.mark.parametrize("page", PAGES)
def test_a_preview_page_cannot_be_posted_to(admin_client, checklist, page):
    assert admin_client.post(preview_url(page, checklist)).status_code == 405


# --- What it shows --------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_it_is_a_preview_of_a_draft_and_links_back_to_the_version(
    admin_client, draft_version, page
):
    response = admin_client.get(preview_url(page, draft_version))

    text = response.content.decode()
    assert (
        f"Preview of draft version {draft_version.number}: this is how councillors will see it "
        "once it is published." in text
    )
    assert "The answers are made up; nothing you do here is saved." in text
    version_url = reverse("admin:assessments_checklistversion_change", args=[draft_version.pk])
    assert f'href="{version_url}"' in text


def test_the_banner_names_a_published_version_as_published(admin_client, checklist):
    response = admin_client.get(preview_url("preview", checklist))

    assert (
        f"Preview of published version {checklist.number}: this is how councillors see it now."
        in (response.content.decode())
    )


def test_the_home_lists_the_areas_in_order_each_linking_to_its_preview(admin_client, checklist):
    response = admin_client.get(preview_url("preview", checklist))

    text = response.content.decode()
    areas = list(checklist.areas.order_by("order"))
    positions = [
        text.index(f'href="{preview_url("preview_area", checklist, a.code)}"') for a in areas
    ]
    assert positions == sorted(positions)
    assert f'href="{preview_url("preview_check", checklist)}"' in text
    assert f'href="{preview_url("preview_report", checklist)}"' in text


def test_a_drafts_reworded_question_and_new_quote_show_in_its_preview_only(
    admin_client, checklist, draft_version
):
    for page in ("preview_area", "preview_check"):
        draft_text = admin_client.get(preview_url(page, draft_version)).content.decode()
        published_text = admin_client.get(preview_url(page, checklist)).content.decode()

        assert "Do you reward creative thinking?" in draft_text, page
        assert "Do you reward creative thinking?" not in published_text, page
    draft_area = admin_client.get(preview_url("preview_area", draft_version)).content.decode()
    published_area = admin_client.get(preview_url("preview_area", checklist)).content.decode()
    assert "A brand new quote for the draft" in draft_area
    assert "A brand new quote for the draft" not in published_area


def test_the_area_page_has_the_questions_radios_hints_and_notes_but_no_form_to_send(
    admin_client, checklist
):
    response = admin_client.get(preview_url("preview_area", checklist))

    text = response.content.decode()
    question = Question.objects.get(checklist=checklist, code="encourage-creativity")
    assert question.text in text
    assert question.guidance in text
    for option in AnswerOption.objects.filter(checklist=checklist):
        assert option.label in text
        if option.hint:
            assert option.hint in text
    assert 'type="radio"' in text
    assert "Your note" in text
    main = text[text.index('id="main-content"') :]
    assert "<form" not in main
    assert "Save and continue" not in main.replace("“Save and continue”", "")
    assert "Next area" in main


def test_the_last_area_leads_to_check_your_answers(admin_client, checklist):
    last = checklist.areas.order_by("-order").first()

    response = admin_client.get(preview_url("preview_area", checklist, last.code))

    assert f'href="{preview_url("preview_check", checklist)}"' in response.content.decode()


def test_the_made_up_answers_go_down_the_scale_in_turn_with_a_note_on_some(checklist):
    questions = list(Question.objects.filter(checklist=checklist).order_by("area__order", "order"))
    options = list(AnswerOption.objects.filter(checklist=checklist).order_by("order"))

    answers = made_up_answers(
        assessment=Assessment(checklist=checklist), questions=questions, options=options
    )

    assert [a.option for a in answers[: len(options)]] == options
    assert answers[len(options)].option == options[0]
    assert [bool(a.note) for a in answers[:4]] == [True, False, False, True]
    assert all(a.pk is None for a in answers)


def test_check_your_answers_labels_the_made_up_answers_and_changes_them_in_the_preview(
    admin_client, checklist
):
    response = admin_client.get(preview_url("preview_check", checklist))

    text = response.content.decode()
    assert "Made-up answers" in text
    assert "A made-up note" in text
    assert f'href="{preview_url("preview_area", checklist)}#encourage-creativity"' in text
    main = text[text.index('id="main-content"') :]
    assert "<form" not in main


def test_the_sample_report_is_labelled_and_shows_the_versions_own_scale_and_wording(
    admin_client, checklist, draft_version
):
    AnswerOption.objects.filter(checklist=draft_version, code="partly").update(label="In part")

    response = admin_client.get(preview_url("preview_report", draft_version))

    text = response.content.decode()
    assert "Sample innovation gap report" in text
    assert "made from made-up answers" in text
    assert "“In part” 1" in text  # How this report works: the version's own scale and points
    assert "Your answer: In part" in text
    assert "How this report works" in text
    published = admin_client.get(preview_url("preview_report", checklist)).content.decode()
    assert "In part" not in published


def test_the_sample_report_shows_the_guidance_and_quote_of_its_gaps(admin_client, draft_version):
    report = admin_client.get(preview_url("preview_report", draft_version)).context["report"]
    gap = next(g for g in report.gaps if g.quote is not None and g.guidance)
    Quote.objects.filter(pk=gap.quote.pk).update(text="A quote the draft gave this gap")

    text = admin_client.get(preview_url("preview_report", draft_version)).content.decode()

    assert "A quote the draft gave this gap" in text
    assert gap.guidance in text


def test_the_sample_report_has_no_link_or_button_to_a_real_assessment(admin_client, checklist):
    response = admin_client.get(preview_url("preview_report", checklist))

    text = response.content.decode()
    main = text[text.index('id="main-content"') :]
    assert "<form" not in main
    for words in ("Download PDF", "Add next step", "Add as a focus action", "Share"):
        assert words not in main, words
    assert 'href="/assessments/' not in main
    assert "/report/" not in main.replace(preview_url("preview_report", checklist), "")
    # The plan's own empty state: no focus actions yet, the first gaps suggested.
    assert "You have not chosen any focus actions yet" in main


# --- Nothing saved, and a fixed number of queries ------------------------------------------


def test_previewing_every_page_saves_no_assessment_and_no_answer(admin_client, draft_version):
    before = (Assessment.objects.count(), Answer.objects.count())

    for page in PAGES:
        assert admin_client.get(preview_url(page, draft_version)).status_code == 200

    assert (Assessment.objects.count(), Answer.objects.count()) == before


@pytest.mark.parametrize("page", PAGES)
def test_each_preview_page_takes_the_same_few_queries_whatever_the_number_of_questions(
    admin_client, checklist, django_assert_max_num_queries, page
):
    bigger = new_checklist_version(checklist, add=("one-more-key-action",))
    Question.objects.filter(checklist=bigger, code="one-more-key-action").update(
        area=bigger.areas.order_by("order").first()
    )
    for version in (checklist, bigger):
        # The session and the user, the admin's two-factor device, then the version, its
        # areas, questions and answer scale.
        with django_assert_max_num_queries(7):
            assert admin_client.get(preview_url(page, version)).status_code == 200
