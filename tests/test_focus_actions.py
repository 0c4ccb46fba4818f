"""
Focus actions: up to `ActionStep.FOCUS_LIMIT` next steps that lead the action plan. Choosing one
on the next-step form, the limit (also under a race and a double click), taking a step off the
focus list, deleting a step, and who may do any of it.
"""

import pytest
from django.test import Client
from django.urls import reverse

from assessments import action_plan, exports
from assessments.forms.action_plan import ActionStepForm
from assessments.models import ActionStep, Answer
from tests.builders import MIXED_ANSWERS, MIXED_GAPS_IN_ORDER, add_step, submit
from tests.test_races import Race, signed_in_client, status_codes, together  # noqa: F401

LIMIT = ActionStep.FOCUS_LIMIT


def step_url(assessment, code):
    return reverse("assessments:action_step", args=[assessment.pk, code])


def unfocus_url(assessment, code):
    return reverse("assessments:action_step_unfocus", args=[assessment.pk, code])


def delete_url(assessment, code):
    return reverse("assessments:action_step_delete", args=[assessment.pk, code])


def report_url(assessment):
    return reverse("assessments:report", args=[assessment.pk])


def focus_codes(assessment) -> set[str]:
    return set(
        ActionStep.objects.filter(answer__assessment=assessment, is_focus=True).values_list(
            "answer__question__code", flat=True
        )
    )


def fill_focus(assessment, count=LIMIT, codes=None):
    """`count` focus actions on gaps of the assessment, the first gaps in rank order."""
    for code in (codes or MIXED_GAPS_IN_ORDER)[:count]:
        add_step(assessment, code, what=f"Focus on {code}", is_focus=True)


# --- Choosing a focus action ---------------------------------------------------------------


def test_the_next_step_form_offers_to_make_it_a_focus_action(client, councillor, submitted):
    client.force_login(councillor)

    html = client.get(step_url(submitted, "space-to-test")).content.decode()

    assert "Make this one of your focus actions" in html
    assert 'name="is_focus"' in html
    assert "checked" not in html.split('name="is_focus"')[1].split(">")[0]


def test_add_as_a_focus_action_opens_the_form_with_the_box_ticked(client, councillor, submitted):
    client.force_login(councillor)

    response = client.get(step_url(submitted, "space-to-test") + "?focus=1")

    assert response.context["form"]["is_focus"].value() is True


def test_a_step_saved_as_a_focus_action_leads_the_action_plan(client, councillor, submitted):
    client.force_login(councillor)

    response = client.post(
        step_url(submitted, "space-to-test"),
        {"what": "Set up a test-and-learn fund", "is_focus": "on"},
    )

    assert response.status_code == 302
    assert focus_codes(submitted) == {"space-to-test"}
    html = client.get(report_url(submitted)).content.decode()
    plan = html[html.index('id="action-plan"') : html.index('id="suggested-heading"')]
    assert 'id="gap-space-to-test"' in plan
    assert "Set up a test-and-learn fund" in plan


def test_while_there_is_room_the_first_gaps_are_suggested_each_one_click_from_the_form(
    client, councillor, submitted
):
    fill_focus(submitted, 2)
    client.force_login(councillor)

    html = client.get(report_url(submitted)).content.decode()
    suggested = html[html.index('id="suggested-heading"') : html.index('id="gaps-heading"')]

    assert "You have room for 3 more focus actions." in suggested
    # The next three in rank order, research priorities first, each with its one-click link.
    for code in MIXED_GAPS_IN_ORDER[2:5]:
        assert f'href="{step_url(submitted, code)}?focus=1"' in suggested
    assert 'id="gap-invite-external-challenges"' not in suggested
    assert "Add as a focus action" in suggested


def test_with_five_focus_actions_nothing_more_is_suggested(client, councillor, submitted):
    fill_focus(submitted)
    client.force_login(councillor)

    html = client.get(report_url(submitted)).content.decode()

    assert 'id="suggested-heading"' not in html
    assert "Add as a focus action" not in html


# --- The limit -----------------------------------------------------------------------------


def test_a_sixth_focus_action_is_refused_with_a_plain_message_and_the_words_kept(
    client, councillor, submitted
):
    fill_focus(submitted)
    client.force_login(councillor)

    response = client.post(
        step_url(submitted, "space-to-test"),
        {"what": "Set up a test-and-learn fund", "is_focus": "on"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "You already have 5 focus actions, the most an action plan can have." in html
    assert "Set up a test-and-learn fund" in html  # still in the box, not lost
    assert not ActionStep.objects.filter(
        answer__assessment=submitted, answer__question__code="space-to-test"
    ).exists()
    assert len(focus_codes(submitted)) == LIMIT


def test_the_form_says_when_the_plan_has_no_room_before_anything_is_typed(
    client, councillor, submitted
):
    fill_focus(submitted)
    client.force_login(councillor)

    full = client.get(step_url(submitted, "space-to-test")).content.decode()
    own = client.get(step_url(submitted, MIXED_GAPS_IN_ORDER[0])).content.decode()

    assert "You already have 5 focus actions" in full
    assert "You already have 5 focus actions" not in own  # one of the five: it may stay


def test_the_same_step_saved_without_the_box_ticked_goes_through(client, councillor, submitted):
    fill_focus(submitted)
    client.force_login(councillor)

    response = client.post(step_url(submitted, "space-to-test"), {"what": "Later"})

    assert response.status_code == 302
    assert len(focus_codes(submitted)) == LIMIT


def test_a_focus_action_changed_does_not_count_against_itself(client, councillor, submitted):
    fill_focus(submitted)
    code = MIXED_GAPS_IN_ORDER[0]
    client.force_login(councillor)
    seen = client.get(step_url(submitted, code)).context["form"]["seen"].value()

    response = client.post(
        step_url(submitted, code), {"what": "A sharper plan", "is_focus": "on", "seen": seen}
    )

    assert response.status_code == 302
    assert ActionStep.objects.get(
        answer__assessment=submitted, answer__question__code=code
    ).what == ("A sharper plan")


def test_the_service_refuses_a_sixth_focus_action(councillor, submitted):
    fill_focus(submitted)
    answer = Answer.objects.get(assessment=submitted, question__code="space-to-test")

    with pytest.raises(action_plan.FocusLimitReached):
        action_plan.action_step_save(answer=answer, seen=None, what="One too many", is_focus=True)

    assert not ActionStep.objects.filter(answer=answer).exists()


def test_a_double_click_on_a_new_focus_action_makes_one_step_and_no_error(
    client, councillor, submitted
):
    fill_focus(submitted, LIMIT - 1)
    client.force_login(councillor)
    data = {"what": "Set up a test-and-learn fund", "is_focus": "on", "seen": ""}

    first = client.post(step_url(submitted, "space-to-test"), data)
    second = client.post(step_url(submitted, "space-to-test"), data)

    assert first.status_code == second.status_code == 302
    assert len(focus_codes(submitted)) == LIMIT
    assert ActionStep.objects.filter(answer__assessment=submitted).count() == LIMIT


@pytest.mark.django_db(transaction=True)
def test_two_focus_actions_saved_at_once_for_the_last_place_make_five_never_six(
    checklist,
    councillor,
    monkeypatch,
    together,  # noqa: F811
):
    assessment = submit(councillor, checklist, MIXED_ANSWERS)
    fill_focus(assessment, LIMIT - 1)
    race = Race(monkeypatch, ActionStepForm, "clean", together=together)
    first, second = signed_in_client(councillor), signed_in_client(councillor)
    codes = {first: "communicate-the-need", second: "space-to-test"}

    responses = race.run(
        *(
            lambda c=c: c.post(
                step_url(assessment, codes[c]), {"what": "Last place", "is_focus": "on"}
            )
            for c in (first, second)
        )
    )

    # One saved (and went on to the report); the other shown the form again with the limit.
    assert status_codes(responses) == [200, 302], responses
    refused = next(r for r in responses if r.status_code == 200)
    assert "You already have 5 focus actions" in refused.content.decode()
    assert len(focus_codes(assessment)) == LIMIT


# --- Taking a step off the focus list, and deleting one -----------------------------------


def test_removing_a_step_from_the_focus_actions_keeps_the_step(client, councillor, submitted):
    fill_focus(submitted)
    code = MIXED_GAPS_IN_ORDER[0]
    client.force_login(councillor)

    response = client.post(unfocus_url(submitted, code))

    assert response.status_code == 302
    assert response.url == f"{report_url(submitted)}#gap-{code}"
    step = ActionStep.objects.get(answer__assessment=submitted, answer__question__code=code)
    assert not step.is_focus
    assert step.what == f"Focus on {code}"
    # The place it left is free again.
    assert len(focus_codes(submitted)) == LIMIT - 1


def test_the_report_offers_to_remove_and_delete_a_focus_action_by_post(
    client, councillor, submitted
):
    fill_focus(submitted, 1)
    code = MIXED_GAPS_IN_ORDER[0]
    client.force_login(councillor)

    html = client.get(report_url(submitted)).content.decode()
    card = html[html.index(f'id="gap-{code}"') :].split("</li>")[0]

    assert f'method="post" action="{unfocus_url(submitted, code)}"' in card
    assert "csrfmiddlewaretoken" in card
    assert f'href="{delete_url(submitted, code)}"' in card


def test_delete_asks_first_then_deletes_the_step(client, councillor, submitted):
    add_step(submitted, "space-to-test", what="Set up a test-and-learn fund", is_focus=True)
    client.force_login(councillor)

    page = client.get(delete_url(submitted, "space-to-test"))
    assert page.status_code == 200
    assert "Are you sure you want to delete this next step?" in page.content.decode()
    assert "Set up a test-and-learn fund" in page.content.decode()
    assert ActionStep.objects.filter(answer__assessment=submitted).exists()

    response = client.post(delete_url(submitted, "space-to-test"))

    assert response.status_code == 302
    assert not ActionStep.objects.filter(answer__assessment=submitted).exists()
    # A second click finds nothing to delete and says the same.
    assert client.post(delete_url(submitted, "space-to-test")).status_code == 302


def test_a_gap_without_a_step_has_nothing_to_delete_or_remove(client, councillor, submitted):
    client.force_login(councillor)

    assert client.get(delete_url(submitted, "space-to-test")).status_code == 404
    assert client.post(unfocus_url(submitted, "space-to-test")).status_code == 404


def test_removing_needs_a_post(client, councillor, submitted):
    fill_focus(submitted, 1)
    client.force_login(councillor)

    assert client.get(unfocus_url(submitted, MIXED_GAPS_IN_ORDER[0])).status_code == 405
    assert len(focus_codes(submitted)) == 1


def test_removing_and_deleting_need_the_csrf_token(councillor, submitted):
    fill_focus(submitted, 1)
    code = MIXED_GAPS_IN_ORDER[0]
    client = Client(enforce_csrf_checks=True)
    client.force_login(councillor)

    assert client.post(unfocus_url(submitted, code)).status_code == 403
    assert client.post(delete_url(submitted, code)).status_code == 403
    assert focus_codes(submitted) == {code}


@pytest.mark.parametrize(
    "persona", ["second_councillor", "other_councillor", "officer", "other_officer", "admin_user"]
)
def test_nobody_else_can_change_remove_or_delete_someone_elses_steps(
    client, request, submitted, persona
):
    fill_focus(submitted, 1)
    code = MIXED_GAPS_IN_ORDER[0]
    client.force_login(request.getfixturevalue(persona))

    assert (
        client.post(step_url(submitted, code), {"what": "Hijack", "is_focus": "on"}).status_code
        == 404
    )
    assert client.post(unfocus_url(submitted, code)).status_code == 404
    assert client.get(delete_url(submitted, code)).status_code == 404
    assert client.post(delete_url(submitted, code)).status_code == 404
    assert focus_codes(submitted) == {code}


# --- The PDF sees every change -------------------------------------------------------------


def test_removing_from_focus_and_deleting_change_the_pdfs_cache_key(client, councillor, submitted):
    fill_focus(submitted, 2)
    client.force_login(councillor)
    keys = [exports.report_pdf_cache_key(submitted)]

    client.post(unfocus_url(submitted, MIXED_GAPS_IN_ORDER[0]))
    keys.append(exports.report_pdf_cache_key(submitted))
    client.post(delete_url(submitted, MIXED_GAPS_IN_ORDER[1]))
    keys.append(exports.report_pdf_cache_key(submitted))

    assert len(set(keys)) == 3
