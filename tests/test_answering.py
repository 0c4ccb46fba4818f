"""Answering the checklist one area page at a time: what the page shows, saving, and bad input."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from assessments.answering import assessment_start
from assessments.forms.answering import AreaAnswersForm
from assessments.models import Answer, AnswerOption, Area, Assessment, Question
from assessments.views import answering as answering_views
from tests.answering_helpers import (
    area_codes,
    area_data,
    area_url,
    check_url,
    detail_url,
    error_summary_links,
    ids_on,
    save_area,
)
from tests.builders import new_checklist_version, submit


def stored(draft) -> dict[str, tuple[str | None, str, bool]]:
    return {
        a.question.code: (a.option.code if a.option else None, a.note, a.confirmed)
        for a in Answer.objects.filter(assessment=draft).select_related("question", "option")
    }


# --- What the page shows -------------------------------------------------------------------


def test_the_area_page_shows_its_place_introduction_a_quote_and_a_back_link(signed_in, draft):
    response = signed_in.get(area_url(draft, "leadership"))

    html = response.content.decode()
    area = Area.objects.get(checklist=draft.checklist, code="leadership")
    assert "Area 2 of 4" in html
    assert f'<h1 class="govuk-heading-l">{area.title}</h1>' in html
    assert area.introduction in html
    assert escape(area.quotes.order_by("order").first().text) in html
    assert f'href="{area_url(draft, "climate")}" class="govuk-back-link"' in html


def test_each_question_is_a_fieldset_whose_legend_is_the_question(signed_in, draft):
    html = signed_in.get(area_url(draft, "climate")).content.decode()

    questions = Question.objects.filter(area__checklist=draft.checklist, area__code="climate")
    assert html.count('<fieldset class="govuk-fieldset"') == questions.count() == 6
    for question in questions:
        assert f'<h2 class="govuk-fieldset__heading">{question.text}</h2>' in html


def test_the_answers_offered_are_the_scale_from_the_database_with_hints(signed_in, draft):
    option = AnswerOption.objects.get(checklist=draft.checklist, code="not-sure")
    option.label, option.hint = "Don’t know", "Something to find out."
    option.save()

    html = signed_in.get(area_url(draft, "climate")).content.decode()

    assert html.count(">Don’t know</label>") == 6
    assert "Something to find out." in html


def test_the_first_radio_carries_the_field_id_so_links_to_the_question_land_on_it(signed_in, draft):
    html = signed_in.get(area_url(draft, "climate")).content.decode()

    assert 'id="id_encourage-creativity" name="encourage-creativity" type="radio"' in html
    assert 'id="id_encourage-creativity_2"' in html
    assert 'id="encourage-creativity"' in html  # the anchor "Change" links jump to


def test_the_note_has_a_character_count_that_works_without_javascript(signed_in, draft):
    html = signed_in.get(area_url(draft, "climate")).content.decode()

    assert 'data-module="govuk-character-count" data-maxlength="2000"' in html
    assert "You can enter up to 2,000 characters" in html
    assert "maxlength=" not in html.lower().replace("data-maxlength", "")


def test_an_area_that_is_not_in_the_checklist_is_not_found(signed_in, draft):
    assert signed_in.get(area_url(draft, "no-such-area")).status_code == 404


# --- Saving --------------------------------------------------------------------------------


def test_save_and_continue_stores_answers_and_notes_and_goes_to_the_next_area(signed_in, draft):
    response = save_area(
        signed_in,
        draft,
        "climate",
        answers={"encourage-creativity": "partly"},
        notes={"encourage-creativity": "We run an ideas scheme."},
        default="yes",
    )

    assert response.status_code == 302
    assert response.url == area_url(draft, "leadership")
    answers = stored(draft)
    assert answers["encourage-creativity"] == ("partly", "We run an ideas scheme.", True)
    assert answers["celebrate-achievements"] == ("yes", "", True)
    draft.refresh_from_db()
    assert draft.revision == 1


def test_save_and_come_back_later_returns_to_the_task_list_with_a_message(signed_in, draft):
    response = save_area(signed_in, draft, "climate", default="yes", after="later")

    assert response.url == detail_url(draft)
    page = signed_in.get(response.url).content.decode()
    assert "Your answers have been saved" in page


def test_saving_the_last_area_goes_to_the_task_list(signed_in, draft):
    response = save_area(signed_in, draft, area_codes(draft.checklist)[-1], default="yes")

    assert response.url == detail_url(draft)


def test_a_page_can_be_saved_with_questions_open_and_then_shows_which_are_open(signed_in, draft):
    save_area(signed_in, draft, "climate", answers={"encourage-creativity": "yes"}, after="later")

    html = signed_in.get(area_url(draft, "climate")).content.decode()

    assert "You have answered 1 of 6 key actions in this area." in html
    assert html.count("Not answered</strong>") == 5
    assert stored(draft)["celebrate-achievements"] == (None, "", True)


def test_answers_carried_over_from_last_time_are_marked_until_they_are_saved(
    signed_in, councillor, checklist
):
    submit(councillor, checklist, default="partly")
    again = assessment_start(owner=councillor, from_previous=True)

    html = signed_in.get(area_url(again, "climate")).content.decode()

    assert html.count("From your last assessment: check and save</strong>") == 6
    assert "Not answered</strong>" not in html
    assert "You have answered 0 of 6 key actions in this area." in html


class CountedAreaAnswersForm(AreaAnswersForm):
    built = 0

    def __init__(self, *args, **kwargs):
        type(self).built += 1
        super().__init__(*args, **kwargs)


@pytest.fixture
def counted_form(monkeypatch):
    monkeypatch.setattr(CountedAreaAnswersForm, "built", 0)
    monkeypatch.setattr(answering_views, "AreaAnswersForm", CountedAreaAnswersForm)
    return CountedAreaAnswersForm


def test_a_page_sent_with_errors_is_built_once_and_shows_what_was_sent_not_what_was_saved(
    signed_in, draft, counted_form
):
    save_area(signed_in, draft, "climate", default="yes", after="later")
    counted_form.built = 0

    response = save_area(
        signed_in,
        draft,
        "climate",
        answers={"encourage-creativity": "yes"},
        notes={"encourage-creativity": "x" * 2001},
    )

    assert counted_form.built == 1
    html = response.content.decode()
    assert "must be 2,000 characters or fewer" in html
    # Six answers are saved, but the statuses are those of the page sent: one answered.
    assert "You have answered 1 of 6 key actions in this area." in html
    assert html.count("Not answered</strong>") == 5


def test_saving_again_changes_an_answer_in_place(signed_in, draft):
    save_area(signed_in, draft, "climate", default="yes")
    save_area(signed_in, draft, "climate", answers={"encourage-creativity": "not-yet"})

    assert stored(draft)["encourage-creativity"] == ("not-yet", "", True)
    assert Answer.objects.filter(assessment=draft).count() == 6


def test_windows_line_breaks_in_a_note_count_as_one_character(signed_in, draft):
    note = "ab\r\n" * 500  # 2,000 characters as typed, 1,500 once line breaks are one each

    save_area(signed_in, draft, "climate", notes={"encourage-creativity": note})

    assert stored(draft)["encourage-creativity"][1] == ("ab\n" * 500).strip()


# --- "Save and continue" checks the area ----------------------------------------------------


def test_save_and_continue_saves_what_was_answered_and_lists_the_open_questions(signed_in, draft):
    response = save_area(
        signed_in,
        draft,
        "climate",
        answers={"encourage-creativity": "yes", "celebrate-achievements": "partly"},
    )

    assert response.status_code == 200  # the person stays on the area
    html = response.content.decode()
    assert "<title>Error: Create the climate" in html
    links = error_summary_links(html)
    open_codes = [
        "invite-external-challenges",
        "look-for-fresh-ideas",
        "take-calculated-risks",
        "experiment-and-learn",
    ]
    assert links == [f"#{code}" for code in open_codes]
    # Each link lands on its question's fieldset, which carries the error message.
    for code in open_codes:
        assert f'<fieldset class="govuk-fieldset" id="{code}" tabindex="-1"' in html
    assert html.count('class="govuk-error-message"') == 4
    assert "Answer “Do you invite external challenges?”" in html
    # What was answered is saved, and the statuses are those of the page sent.
    assert stored(draft)["encourage-creativity"] == ("yes", "", True)
    assert stored(draft)["celebrate-achievements"] == ("partly", "", True)
    assert "You have answered 2 of 6 key actions in this area." in html
    assert html.count("Not answered</strong>") == 4


def test_a_page_shown_again_after_saving_carries_the_new_revision_so_a_second_save_works(
    signed_in, draft
):
    response = save_area(signed_in, draft, "climate", answers={"encourage-creativity": "yes"})
    assert 'name="revision" value="1"' in response.content.decode()

    response = save_area(signed_in, draft, "climate", default="partly", revision=1)

    assert response.url == area_url(draft, "leadership")
    assert {option for option, _note, _c in stored(draft).values()} == {"partly"}


def test_save_and_come_back_later_does_not_check_the_area(signed_in, draft):
    response = save_area(
        signed_in, draft, "climate", answers={"encourage-creativity": "yes"}, after="later"
    )

    assert response.url == detail_url(draft)
    assert stored(draft)["encourage-creativity"] == ("yes", "", True)


def test_saving_confirms_pre_filled_answers_so_none_is_left_to_check(
    signed_in, councillor, checklist
):
    submit(councillor, checklist, default="partly")
    again = assessment_start(owner=councillor, from_previous=True)
    data = {
        "revision": "0",
        "after": "continue",
        **{
            a.question.code: str(a.option_id)
            for a in again.answers.filter(question__area__code="climate")
        },
    }

    response = signed_in.post(area_url(again, "climate"), data)

    assert response.url == area_url(again, "leadership")
    assert (
        Answer.objects.filter(
            assessment=again, question__area__code="climate", confirmed=True
        ).count()
        == 6
    )


# --- Change from Check your answers ---------------------------------------------------------


def test_an_area_opened_from_check_your_answers_goes_back_there_after_saving(signed_in, draft):
    html = signed_in.get(area_url(draft, "leadership") + "?return=check").content.decode()
    assert '<input type="hidden" name="return" value="check">' in html
    assert f'href="{check_url(draft)}" class="govuk-back-link"' in html

    data = area_data(draft, "leadership", default="yes")
    response = signed_in.post(area_url(draft, "leadership"), {**data, "return": "check"})

    assert response.url == check_url(draft)


def test_an_area_opened_from_check_your_answers_keeps_the_way_back_through_an_error(
    signed_in, draft
):
    data = {**area_data(draft, "leadership"), "return": "check"}

    html = signed_in.post(area_url(draft, "leadership"), data).content.decode()

    assert error_summary_links(html)
    assert '<input type="hidden" name="return" value="check">' in html
    response = signed_in.post(
        area_url(draft, "leadership"),
        {**area_data(draft, "leadership", default="yes"), "return": "check"},
    )
    assert response.url == check_url(draft)


def test_a_return_value_outside_the_fixed_set_is_never_followed(signed_in, draft):
    query = "?return=https://evil.example/"
    html = signed_in.get(area_url(draft, "leadership") + query).content.decode()
    assert 'name="return"' not in html
    # Only the language switch carries the query over, to this same page in Welsh (which
    # ignores it again): it is never a link or a form field of its own.
    switch = f'href="/cy{area_url(draft, "leadership")}{query}"'
    assert html.count("evil.example") == html.count(switch) == 1

    data = {**area_data(draft, "leadership", default="yes"), "return": "https://evil.example/"}
    response = signed_in.post(area_url(draft, "leadership"), data)

    assert response.status_code == 200
    assert "Something went wrong with this page, so nothing was saved" in response.content.decode()
    assert_nothing_saved(draft)


def test_without_a_return_value_save_and_continue_goes_to_the_next_area(signed_in, draft):
    response = save_area(signed_in, draft, "leadership", default="yes")

    assert response.url == area_url(draft, area_codes(draft.checklist)[2])


# --- What good looks like --------------------------------------------------------------------


def test_each_question_shows_what_good_looks_like_in_its_hint(signed_in, draft):
    html = signed_in.get(area_url(draft, "climate")).content.decode()

    question = Question.objects.get(area__checklist=draft.checklist, code="encourage-creativity")
    assert question.guidance
    hint = re.search(
        r'<div id="id_encourage-creativity_hint" class="govuk-hint">(.*?)</div>', html, re.S
    )
    assert "What good looks like:" in hint.group(1)
    assert escape(question.guidance) in hint.group(1)
    assert html.count("What good looks like:") == 6


# --- Two tabs ------------------------------------------------------------------------------


def test_a_stale_tab_does_not_overwrite_newer_answers_and_says_so(signed_in, draft):
    first_tab = area_data(draft, "climate", default="yes")
    second_tab = area_data(draft, "climate", default="not-yet")  # opened at the same revision
    signed_in.post(area_url(draft, "climate"), first_tab)

    response = signed_in.post(area_url(draft, "climate"), second_tab, follow=True)

    html = response.content.decode()
    assert "These answers were changed in another tab or window" in html
    assert {option for option, _note, _c in stored(draft).values()} == {"yes"}
    # The page now shows the saved answers, ready to save again at the new revision.
    assert 'name="revision" value="1"' in html
    yes = AnswerOption.objects.get(checklist=draft.checklist, code="yes")
    assert html.count(f'value="{yes.pk}" checked') == 6


# --- Bad input -----------------------------------------------------------------------------


def assert_nothing_saved(draft):
    assert not Answer.objects.filter(assessment=draft).exists()
    assert Assessment.objects.get(pk=draft.pk).revision == 0


def test_an_answer_that_is_not_on_the_scale_is_refused(signed_in, draft):
    data = area_data(draft, "climate", default="yes")
    data["encourage-creativity"] = "999999"

    response = signed_in.post(area_url(draft, "climate"), data)

    assert response.status_code == 200
    assert "Choose one of the answers shown for “Do you encourage creativity?”" in (
        response.content.decode()
    )
    assert_nothing_saved(draft)


def test_an_answer_from_another_checklist_version_is_refused(signed_in, draft):
    other_version = new_checklist_version(draft.checklist)
    data = area_data(draft, "climate", default="yes")
    data["encourage-creativity"] = str(other_version.answer_options.get(code="yes").pk)

    response = signed_in.post(area_url(draft, "climate"), data)

    assert "Choose one of the answers shown" in response.content.decode()
    assert_nothing_saved(draft)


def test_a_question_from_another_checklist_version_is_refused(signed_in, draft):
    other_version = new_checklist_version(draft.checklist)
    other_question = Question.objects.create(
        area=other_version.areas.get(code="climate"),
        code="a-new-question",
        order=99,
        summary="A new question",
        text="Do you answer new questions?",
    )
    data = area_data(draft, "climate", default="yes")
    data[other_question.code] = str(draft.checklist.answer_options.get(code="yes").pk)

    response = signed_in.post(area_url(draft, "climate"), data)

    assert "not for the questions on this page, so nothing was saved" in (response.content.decode())
    assert_nothing_saved(draft)


def test_a_note_over_2000_characters_is_refused_and_kept_on_the_page(signed_in, draft):
    long_note = "x" * 2001
    response = save_area(
        signed_in, draft, "climate", default="yes", notes={"encourage-creativity": long_note}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Your note on “Encourage creativity” must be 2,000 characters or fewer" in html
    assert long_note in html  # nothing the person typed is lost
    assert "govuk-textarea--error" in html
    assert_nothing_saved(draft)


def test_a_missing_or_tampered_revision_is_refused(signed_in, draft):
    data = area_data(draft, "climate", default="yes")
    data["revision"] = "not a number"

    response = signed_in.post(area_url(draft, "climate"), data)

    assert "Something went wrong with this page, so nothing was saved" in (
        response.content.decode()
    )
    assert_nothing_saved(draft)


def test_answers_posted_to_a_submitted_assessment_are_refused(signed_in, draft):
    save_area(signed_in, draft, "climate", default="yes")
    Assessment.objects.filter(pk=draft.pk).update(
        status="submitted", submitted_at="2026-01-01T00:00Z"
    )
    before = stored(draft)

    response = signed_in.post(
        area_url(draft, "climate"), area_data(draft, "climate", default="not-yet"), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse(
        "assessments:assessment_detail", args=[draft.pk]
    )
    assert "This assessment has been submitted, so its answers can no longer be changed" in (
        response.content.decode()
    )
    assert stored(draft) == before


def test_every_error_summary_link_points_at_an_element_on_the_page(signed_in, draft):
    data = area_data(draft, "climate", default="yes")
    data["encourage-creativity"] = "999999"
    data["celebrate-achievements-note"] = "x" * 2001

    html = signed_in.post(area_url(draft, "climate"), data).content.decode()

    links = error_summary_links(html)
    assert links == ["#id_encourage-creativity", "#id_celebrate-achievements-note"]
    assert {link.removeprefix("#") for link in links} <= ids_on(html)


def test_a_form_wide_error_links_to_an_element_on_the_page(signed_in, draft):
    data = area_data(draft, "climate", default="yes")
    data["revision"] = ""

    html = signed_in.post(area_url(draft, "climate"), data).content.decode()

    links = error_summary_links(html)
    assert links
    assert {link.removeprefix("#") for link in links} <= ids_on(html)


def test_html_typed_into_a_note_is_shown_as_text_on_every_page(signed_in, draft):
    script = '<script>alert("x")</script><b>bold</b>'
    save_area(signed_in, draft, "climate", default="yes", notes={"encourage-creativity": script})
    for code in area_codes(draft.checklist)[1:]:
        save_area(signed_in, draft, code, default="yes")

    pages = [
        signed_in.get(area_url(draft, "climate")),
        signed_in.get(reverse("assessments:check_answers", args=[draft.pk])),
    ]
    signed_in.post(
        reverse("assessments:submit", args=[draft.pk]),
        {"revision": Assessment.objects.get(pk=draft.pk).revision},
    )
    pages.append(signed_in.get(reverse("assessments:assessment_detail", args=[draft.pk])))

    for page in pages:
        html = page.content.decode()
        assert "<script>alert" not in html
        assert "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html


# --- Queries -------------------------------------------------------------------------------


def add_questions(area: Area, count: int):
    for n in range(count):
        Question.objects.create(
            area=area, code=f"extra-{n}", order=100 + n, summary=f"Extra {n}", text=f"Extra {n}?"
        )


@pytest.mark.parametrize("extra_questions", [0, 14])
def test_the_area_page_runs_a_fixed_number_of_queries(
    signed_in, draft, extra_questions, django_assert_num_queries
):
    area = Area.objects.get(checklist=draft.checklist, code="climate")
    add_questions(area, extra_questions)
    save_area(signed_in, draft, "climate", default="partly", notes={"encourage-creativity": "A"})
    url = area_url(draft, "climate")

    # session, user, assessment, areas with a quote each, questions, scale, answers
    with django_assert_num_queries(7):
        response = signed_in.get(url)

    assert (
        response.content.decode().count('<fieldset class="govuk-fieldset"') == 6 + extra_questions
    )


@pytest.mark.parametrize("extra_questions", [0, 14])
def test_saving_an_area_runs_a_fixed_number_of_queries(
    signed_in, draft, extra_questions, django_assert_max_num_queries
):
    add_questions(Area.objects.get(checklist=draft.checklist, code="climate"), extra_questions)
    data = area_data(draft, "climate", default="yes")

    # session, user, assessment, areas, questions, scale (no saved answers: the page is not
    # shown), then the revision update and one upsert, inside a savepoint
    with django_assert_max_num_queries(10):
        response = signed_in.post(area_url(draft, "climate"), data)

    assert response.status_code == 302
    assert (
        Answer.objects.filter(assessment=draft, option__code="yes").count() == 6 + extra_questions
    )


@pytest.mark.parametrize("extra_questions", [0, 14])
def test_an_area_saved_with_questions_open_runs_a_fixed_number_of_queries(
    signed_in, draft, extra_questions, django_assert_max_num_queries
):
    add_questions(Area.objects.get(checklist=draft.checklist, code="climate"), extra_questions)
    data = area_data(draft, "climate", answers={"encourage-creativity": "yes"})

    # session, user, assessment, areas, questions, scale, the revision update and one upsert
    # inside a savepoint; then, to show the page again, the areas with a quote each
    with django_assert_max_num_queries(11):
        response = signed_in.post(area_url(draft, "climate"), data)

    assert response.status_code == 200
    assert len(error_summary_links(response.content.decode())) == 5 + extra_questions


@pytest.mark.parametrize("extra_questions", [0, 14])
def test_an_area_sent_with_errors_runs_a_fixed_number_of_queries(
    signed_in, draft, extra_questions, django_assert_num_queries
):
    add_questions(Area.objects.get(checklist=draft.checklist, code="climate"), extra_questions)
    data = area_data(draft, "climate", default="yes", notes={"encourage-creativity": "x" * 2001})

    # session, user, assessment, areas, questions, scale; then, to show the page again, the
    # areas with a quote each (the statuses come from what was sent, not from the database)
    with django_assert_num_queries(7):
        response = signed_in.post(area_url(draft, "climate"), data)

    assert response.status_code == 200
    assert not Answer.objects.filter(assessment=draft).exists()
