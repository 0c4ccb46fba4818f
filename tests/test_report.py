"""The gap report page: who sees it, what it says, and how many queries it takes."""

import datetime
import re

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from assessments.models import Answer, Area, Assessment, Question, StepReview
from assessments.reports import build_report, submitted_assessments, submitted_summaries
from tests.builders import (
    MIXED_ANSWERS,
    MIXED_GAPS_IN_ORDER,
    add_note,
    add_step,
    answer_all,
    new_checklist_version,
    submit,
)

HOSTILE_MARKUP = (
    '<img src="file:///etc/passwd">'
    '<link rel="attachment" href="file:///etc/passwd">'
    "<style>@import url(http://127.0.0.1:9/x)</style>"
)
LONG_WORD = "W" * 2000
LINE_BREAKS = "\n" * 500 + "after the line breaks"


def add_hostile_notes(assessment):
    """The bad input of the issue, each on its own gap (a note holds 2,000 characters at most)."""
    add_note(assessment, "devote-resources", HOSTILE_MARKUP)
    add_note(assessment, "monitor-progress", LONG_WORD)
    add_note(assessment, "select-priority-areas", LINE_BREAKS)


def report_url(assessment):
    return reverse("assessments:report", args=[assessment.pk])


def text_of(response) -> str:
    """The page's visible words, tags stripped and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- Who sees it -------------------------------------------------------------------------------


def test_the_owner_sees_their_report(client, councillor, submitted):
    client.force_login(councillor)

    response = client.get(report_url(submitted))

    assert response.status_code == 200
    assert "Your innovation gap report" in text_of(response)
    assert "Alex Morgan" in text_of(response)


@pytest.mark.parametrize(
    "persona", ["second_councillor", "other_councillor", "officer", "other_officer", "admin_user"]
)
def test_it_hides_a_report_from_everyone_but_its_owner(client, request, submitted, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(report_url(submitted)).status_code == 404
    assert client.get(reverse("assessments:report_pdf", args=[submitted.pk])).status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(client, submitted):
    response = client.get(report_url(submitted))

    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_a_draft_has_no_report(client, checklist, councillor):
    draft = Assessment.objects.create(owner=councillor, checklist=checklist)
    answer_all(draft, MIXED_ANSWERS)
    client.force_login(councillor)

    assert client.get(report_url(draft)).status_code == 404
    assert client.get(reverse("assessments:report_pdf", args=[draft.pk])).status_code == 404


def test_the_report_only_answers_get(client, councillor, submitted):
    client.force_login(councillor)

    assert client.post(report_url(submitted)).status_code == 405


# --- What it says ------------------------------------------------------------------------------


def test_it_starts_with_a_summary_in_words(client, councillor, submitted):
    client.force_login(councillor)

    text = text_of(client.get(report_url(submitted)))

    assert "You are fully taking 10 of the 20 key actions; 4 gaps are research priorities." in text
    assert text.index("Summary") < text.index("Your score in each area")


def test_it_shows_each_areas_score_as_a_bar_and_in_a_table(client, councillor, submitted):
    client.force_login(councillor)

    response = client.get(report_url(submitted))
    html = response.content.decode()

    # Climate: Yes 3, Partly 1, Not yet 1, Not sure 1 → 7 of 10 points.
    assert re.search(r"Create the climate for innovation</th>.*?70%", html, re.S)
    assert 'class="app-bar__fill app-bar--70"' in html
    # Delivery: Yes 1, Partly 2, Not yet 2 → 4 of 10.
    assert 'class="app-bar__fill app-bar--40"' in html
    assert "<caption" in html
    assert 'style="' not in html  # bars by class: the CSP will forbid inline styles


def test_it_ranks_the_gaps(client, councillor, submitted):
    client.force_login(councillor)

    html = client.get(report_url(submitted)).content.decode()

    positions = [html.index(f'id="gap-{code}"') for code in MIXED_GAPS_IN_ORDER]
    assert positions == sorted(positions)


def test_a_focus_action_shows_its_key_action_answer_note_finding_guidance_quote_and_step(
    client, councillor, submitted
):
    add_note(submitted, "devote-resources", "No budget line for it yet.")
    add_step(
        submitted,
        "devote-resources",
        what="Ask for a budget line",
        lead="Cabinet member for finance",
        due_date=datetime.date(2031, 4, 1),
        reported_to="Cabinet",
        is_focus=True,
    )
    question = Question.objects.select_related("quote").get(
        area__checklist=submitted.checklist, code="devote-resources"
    )
    client.force_login(councillor)

    html = client.get(report_url(submitted)).content.decode()
    plan = html[html.index('id="action-plan"') : html.index('id="suggested-heading"')]
    gap = plan[plan.index('id="gap-devote-resources"') :]

    assert "Do you devote sufficient time, resources and expertise to priority innovations?" in gap
    assert "Not yet" in gap
    assert "No budget line for it yet." in gap
    assert "devote sufficient time and resources to developing the priority innovations" in gap
    assert "What good looks like:" in gap
    assert escape(question.guidance) in gap
    assert escape(question.quote.text) in gap
    assert "from a leading politician interviewed for the research" in gap
    assert "Ask for a budget line" in gap
    assert "Cabinet member for finance" in gap
    assert "1 April 2031" in gap
    step_url = reverse("assessments:action_step", args=[submitted.pk, "devote-resources"])
    assert f'href="{step_url}"' in gap
    assert ">Change<" in gap
    assert "Remove from focus actions" in gap


def test_a_gap_in_the_compact_list_offers_to_add_a_next_step_in_one_click(
    client, councillor, submitted
):
    client.force_login(councillor)

    html = client.get(report_url(submitted)).content.decode()
    compact = html[html.index('id="gaps-heading"') :]
    line = compact[compact.index('id="gap-space-to-test"') :].split("</li>")[0]

    step_url = reverse("assessments:action_step", args=[submitted.pk, "space-to-test"])
    assert f'href="{step_url}"' in line
    assert "Add next step" in line
    assert "Your answer: Partly" in line
    assert "What good looks like" in line


def test_each_key_action_shows_its_own_quote_and_no_other(checklist, councillor, submitted):
    report = build_report(submitted_assessments().get(pk=submitted.pk))
    chosen = dict(
        Question.objects.filter(area__checklist=checklist).values_list("code", "quote_id")
    )

    assert report.gaps
    for gap in report.gaps:
        assert (gap.quote.pk if gap.quote else None) == chosen[gap.question_code]


def test_a_key_action_without_a_quote_shows_none(client, checklist, councillor, submitted):
    Question.objects.filter(area__checklist=checklist, code="devote-resources").update(quote=None)
    add_step(submitted, "devote-resources", what="Ask for a budget line", is_focus=True)
    client.force_login(councillor)

    html = client.get(report_url(submitted)).content.decode()
    gap = html[html.index('id="gap-devote-resources"') :].split("</li>")[0]

    assert "app-quote" not in gap


def test_it_lists_not_sure_and_strengths_apart(client, councillor, submitted):
    client.force_login(councillor)

    text = text_of(client.get(report_url(submitted)))

    things_to_find_out = text[text.index("Things to find out") : text.index("Your strengths")]
    assert "Experiment, fail quickly and learn from failures" in things_to_find_out
    assert "Move forward boldly, with pace and determination" in things_to_find_out
    strengths = text[text.index("Your strengths") : text.index("How this report works")]
    assert "Encourage creativity" in strengths
    assert "Persist, persist, persist" in strengths
    assert "Monitor progress closely" not in strengths


def test_it_explains_itself_and_defines_innovation(client, councillor, submitted):
    client.force_login(councillor)

    text = text_of(client.get(report_url(submitted)))

    assert "How this report works" in text
    assert "“Not sure” scores nothing" in text
    assert "Innovations are changes to services" in text
    assert "Key findings from the research" in text


def test_an_area_with_nothing_scored_says_so(client, checklist, councillor):
    climate = Question.objects.filter(area__code="climate").values_list("code", flat=True)
    assessment = submit(councillor, checklist, dict.fromkeys(climate, "not-sure"))
    client.force_login(councillor)

    text = text_of(client.get(report_url(assessment)))

    # Counts in scale order: Yes, Partly, Not yet, Not sure.
    assert "Create the climate for innovation Nothing scored 0 0 0 6" in text
    assert "Create the climate for innovation 0%" not in text


def test_all_yes_has_no_gaps(client, checklist, councillor):
    assessment = submit(councillor, checklist, default="yes")
    client.force_login(councillor)

    text = text_of(client.get(report_url(assessment)))

    assert "You are fully taking 20 of the 20 key actions." in text
    assert "You have no gaps" in text


def test_hostile_notes_are_shown_as_text(client, councillor, submitted):
    add_hostile_notes(submitted)
    client.force_login(councillor)

    html = client.get(report_url(submitted)).content.decode()

    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert '<img src="file:///etc/passwd">' not in html
    assert '<link rel="attachment"' not in html
    assert "<style>@import" not in html
    assert LONG_WORD in html  # wrapped by CSS (overflow-wrap), not cut
    # 500 line breaks collapse to one paragraph break.
    gap = html.split('id="gap-select-priority-areas"')[1].split("</li>")[0]
    assert "after the line breaks" in gap
    assert "\n\n\n" not in gap


# --- Progress ----------------------------------------------------------------------------------


def test_it_shows_progress_since_the_previous_submitted_assessment(client, checklist, councillor):
    earlier = submit(
        councillor,
        checklist,
        {**MIXED_ANSWERS, "devote-resources": "partly", "take-calculated-risks": "not-yet"},
        submitted_at=timezone.now() - datetime.timedelta(days=365),
    )
    later = submit(
        councillor,
        checklist,
        {**MIXED_ANSWERS, "devote-resources": "not-yet", "take-calculated-risks": "yes"},
    )
    client.force_login(councillor)

    text = text_of(client.get(report_url(later)))

    progress = text[text.index("Since your last assessment") : text.index("How this report works")]
    assert earlier.submitted_at.strftime("%-d %B %Y") in progress
    moved_up = progress[progress.index("Moved up") : progress.index("Moved down")]
    assert "Take vital, calculated risks: Not yet to Yes" in moved_up
    moved_down = progress[progress.index("Moved down") :]
    assert (
        "Devote sufficient time, resources and expertise to priority innovations: Partly to Not yet"
        in moved_down
    )
    # Climate went from 70 % (7/10) to 90 % (9/10); delivery from 50 % (5/10) to 40 % (4/10).
    assert "Create the climate for innovation 70% 90% up 20" in progress
    assert "Ensure priority innovations are delivered 50% 40% down 10" in progress
    assert "Lead for innovation 88% 88% no change" in progress


def test_the_first_assessment_has_no_progress_section(client, councillor, submitted):
    client.force_login(councillor)

    assert "Since your last assessment" not in text_of(client.get(report_url(submitted)))


def test_progress_matches_questions_by_code_across_checklist_versions(
    client, checklist, councillor
):
    earlier = submit(
        councillor,
        checklist,
        {"persist": "not-yet", "celebrate-achievements": "partly"},
        submitted_at=timezone.now() - datetime.timedelta(days=30),
    )
    version_2 = new_checklist_version(
        checklist,
        drop=("celebrate-achievements",),
        reword={"persist": "Do you persist, and persist again?"},
        add=("share-learning",),
    )
    later = submit(councillor, version_2, {"persist": "yes", "share-learning": "partly"})

    report = build_report(submitted_assessments().get(pk=later.pk))
    by_code = {q.answer.question_code: q for q in report.progress.questions}

    assert report.previous == earlier
    assert by_code["persist"].movement == "up"
    assert by_code["persist"].reworded
    assert by_code["share-learning"].movement == "new"
    assert by_code["encourage-creativity"].movement == "same"
    assert not by_code["encourage-creativity"].reworded
    assert [a.question_code for a in report.progress.removed] == ["celebrate-achievements"]

    client.force_login(councillor)
    text = text_of(client.get(report_url(later)))
    assert "Persist, persist, persist: Not yet to Yes (the question has been reworded)" in text
    assert "New questions Brand new share-learning: Partly" in text
    assert "(checklist: Council Leaders" in text
    assert "published 29 November 2026)" in text
    assert "No longer asked: Celebrate achievements (last time: Partly)" in text


# --- Queries -----------------------------------------------------------------------------------


def add_questions(checklist, count):
    """More questions in the last area, as a longer checklist would have."""
    area = checklist.areas.get(code="delivery")
    Question.objects.bulk_create(
        Question(
            area=area, code=f"extra-{n}", order=100 + n, summary=f"Extra {n}", text=f"Do you {n}?"
        )
        for n in range(count)
    )


@pytest.mark.parametrize("extra_questions", [0, 15])
@pytest.mark.parametrize("with_previous", [False, True])
def test_the_report_runs_a_fixed_number_of_queries(
    client, checklist, councillor, django_assert_num_queries, extra_questions, with_previous
):
    add_questions(checklist, extra_questions)
    if with_previous:
        earlier = submit(
            councillor, checklist, submitted_at=timezone.now() - datetime.timedelta(days=9)
        )
        add_note(earlier, "persist", "Earlier note")
    assessment = submit(councillor, checklist, default="partly")
    codes = ("persist", "space-to-test", "monitor-progress", "celebrate-achievements")
    for n, code in enumerate(codes[: 2 + extra_questions // 8]):
        add_step(assessment, code, what=f"Next step on {code}", is_focus=n % 2 == 0)
        if with_previous:
            old = add_step(earlier, code, what=f"Old step on {code}")
            StepReview.objects.create(
                assessment=assessment, step=old, outcome=StepReview.Outcome.NOT_DONE
            )
    client.force_login(councillor)
    client.get(reverse("assessments:start"))  # settle the session

    # Session, user, assessment; answers (with their quotes), areas, options, the last plan's
    # reviews, previous (+ its answers): the same however many gaps, steps and reviews.
    with django_assert_num_queries(9 if with_previous else 8):
        assert client.get(report_url(assessment)).status_code == 200


def test_the_dashboard_summary_counts_each_answer_per_area_for_each_assessment_in_one_query(
    checklist, councillor, django_assert_num_queries
):
    mixed = submit(councillor, checklist, MIXED_ANSWERS)
    all_yes = submit(councillor, checklist)
    Answer.objects.filter(assessment=all_yes, question__code="persist").update(option=None)

    with django_assert_num_queries(1):
        summaries = submitted_summaries([all_yes, mixed])

    assert [s.assessment for s in summaries] == [all_yes, mixed]
    titles = list(
        Area.objects.filter(checklist=checklist).order_by("order").values_list("title", flat=True)
    )
    assert [title for title, _ in summaries[1].area_counts] == titles
    assert summaries[1].area_counts[0][1] == "3 Yes, 1 Partly, 1 Not yet, 1 Not sure"
    # An answer left empty is not counted.
    assert summaries[0].area_counts[3] == (titles[3], "4 Yes")
