"""The group report's agenda: its labelled items, the agreement recorded in place, the
facilitator's prompts, the full list below, who may record, and the page's queries."""

import datetime
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from assessments import groups
from assessments.models import AnswerOption, CouncillorGroup, GroupAgreement, Question
from tests.group_helpers import AGENDA, build_group

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "checklist.json"
ITEM = '<li class="app-gap app-agenda-item"'


@pytest.fixture
def setup(checklist, council, officer):
    return build_group(council, checklist, facilitator=officer)


def report_url(group) -> str:
    return reverse("assessments:group_report", args=[group.pk])


def agreement_url(group, code="persist") -> str:
    return reverse("assessments:group_agreement", args=[group.pk, code])


def agreement_data(code="persist", **fields) -> dict:
    """The agreement form's fields as posted: each form on the report is prefixed by its code."""
    return {f"{code}-{name}": value for name, value in fields.items()}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def agenda_of(html: str) -> str:
    return html[html.index('id="agenda-heading"') : html.index('id="plan-heading"')]


def item_of(html: str, code: str) -> str:
    """One agenda item, up to the next."""
    agenda = agenda_of(html)
    start = agenda.index(f'{ITEM} id="agenda-{code}"')
    end = agenda.find(ITEM, start + 1)
    return agenda[start : end if end != -1 else len(agenda)]


def record(group, code, by, *, option=None, action=""):
    groups.group_record_agreement(
        group=group,
        question=Question.objects.get(area__checklist=group.checklist, code=code),
        option=(
            None
            if option is None
            else AnswerOption.objects.get(checklist=group.checklist, code=option)
        ),
        action_what=action,
        by=by,
    )


def revision_on(html: str, code: str) -> str:
    match = re.search(rf'name="{code}-revision"(?: value="([^"]*)")?', html)
    assert match, f"no revision field for {code}"
    return match.group(1) or ""  # an empty value is left out


# --- Facilitator prompts -------------------------------------------------------------------


def test_every_key_action_ships_with_two_or_three_facilitator_prompts():
    questions = [
        o["fields"] for o in json.loads(FIXTURE.read_text()) if o["model"] == "assessments.question"
    ]

    assert len(questions) == 20
    for question in questions:
        prompts = [line for line in question["discussion_prompts"].splitlines() if line.strip()]
        assert 2 <= len(prompts) <= 3, question["code"]
        # Open questions an officer can ask the room, in the service's own words.
        assert all(prompt.endswith("?") for prompt in prompts), question["code"]
        assert not any("research" in prompt.lower() for prompt in prompts), question["code"]


def test_the_loaded_checklist_gives_each_row_its_prompts(setup):
    from assessments import group_reports

    report = group_reports.build_group_report(setup.group)

    assert all(2 <= len(row.prompts) <= 3 for row in report.questions)


# --- The page ------------------------------------------------------------------------------


def test_the_officer_sees_the_agenda_of_five_labelled_items_first(client, setup, officer):
    client.force_login(officer)

    html = client.get(report_url(setup.group)).content.decode()

    agenda = agenda_of(html)
    assert agenda.count(ITEM) == 5
    positions = [agenda.index(f'id="agenda-{code}"') for code in AGENDA]
    assert positions == sorted(positions)
    assert html.index('id="agenda-heading"') < html.index('id="all-key-actions"')
    persist = text_of(item_of(html, "persist"))
    assert "1. Persist, persist, persist" in persist
    assert "Shared gap" in persist and "Research priority" in persist
    assert (
        "12 of 12 members answered Partly or Not yet. "
        "Members also answered differently: 6 Partly, 6 Not yet."
    ) in persist
    creativity = text_of(item_of(html, "encourage-creativity"))
    assert "Split view" in creativity
    assert "Members answered differently: 6 Yes, 6 Not yet." in creativity
    assert 'class="app-spread"' in item_of(html, "persist")
    assert "Disagreement" not in html


def test_each_item_shows_the_facilitator_prompts_and_a_form_that_returns_to_it(
    client, setup, officer
):
    client.force_login(officer)

    html = client.get(report_url(setup.group)).content.decode()

    persist = item_of(html, "persist")
    question = Question.objects.get(area__checklist=setup.group.checklist, code="persist")
    assert "Questions to ask the room" in persist
    for prompt in question.discussion_prompts.splitlines():
        assert prompt in text_of(persist)
    assert f'action="{agreement_url(setup.group)}"' in persist
    assert 'name="persist-option"' in persist and 'value="partly"' in persist
    assert 'name="persist-action_what"' in persist and 'name="persist-revision"' in persist
    # Five forms on one page: no two fields share an id.
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_an_items_action_fields_are_folded_away_until_it_has_an_action(client, setup, officer):
    record(setup.group, "persist", officer, option="partly", action="Review it every quarter")
    client.force_login(officer)

    html = client.get(report_url(setup.group)).content.decode()

    folded = '<details class="govuk-details app-agenda-item__action">'
    assert '<details class="govuk-details app-agenda-item__action" open>' in item_of(
        html, "persist"
    )
    assert folded in item_of(html, "encourage-creativity")
    assert "Review it every quarter" in item_of(html, "persist")


def test_the_full_list_of_twenty_is_collapsed_below_the_agenda(client, setup, officer):
    client.force_login(officer)

    html = client.get(report_url(setup.group)).content.decode()

    details = html[html.index('<details class="govuk-details" id="all-key-actions"') :]
    details = details[: details.index("</details>")]
    assert "<details " in html and " open" not in details[: details.index(">")]
    assert "Show all 20 key actions" in details
    assert len(re.findall(r'<tr class="govuk-table__row" id="question-', details)) == 20


def test_how_the_report_works_explains_the_agenda_rule(client, setup, officer):
    client.force_login(officer)

    html = text_of(client.get(report_url(setup.group)).content.decode())

    about = html[html.index("How this report works") :]
    assert "The agenda has at most 5 items" in about
    assert "The two take turns, a shared gap first" in about
    assert "listed once, as a shared gap" in about


def test_the_agenda_follows_the_groups_agenda_size(client, setup, officer):
    setup.group.agenda_size = 3
    setup.group.save()
    client.force_login(officer)

    html = client.get(report_url(setup.group)).content.decode()

    assert agenda_of(html).count(ITEM) == 3
    assert "The agenda has at most 3 items" in text_of(html)


def test_a_member_sees_the_agenda_and_agreements_but_no_prompts_or_forms(client, setup, officer):
    record(setup.group, "persist", officer, option="partly", action="Review it every quarter")
    client.force_login(setup.members[0])

    response = client.get(report_url(setup.group))

    html = response.content.decode()
    assert response.status_code == 200
    persist = text_of(item_of(html, "persist"))
    assert "Agreed answer Partly" in persist and "Review it every quarter" in persist
    assert "Questions to ask the room" not in html
    assert "<form" not in agenda_of(html)
    assert "Save agreed answer" not in html


# --- Recording the agreement in place ------------------------------------------------------


def test_saving_from_the_agenda_returns_to_the_item_and_fills_the_action_plan(
    client, setup, officer
):
    client.force_login(officer)
    due = timezone.localdate() + datetime.timedelta(days=30)
    html = client.get(report_url(setup.group)).content.decode()

    response = client.post(
        agreement_url(setup.group),
        agreement_data(
            option="not-yet",
            action_what="Keep the three priority projects going for a year",
            action_lead="Leader of the council",
            action_due_date_0=due.day,
            action_due_date_1=due.month,
            action_due_date_2=due.year,
            action_reported_to="Cabinet",
            revision=revision_on(html, "persist"),
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == f"{report_url(setup.group)}#agenda-persist"
    agreement = GroupAgreement.objects.get(group=setup.group, question__code="persist")
    assert agreement.option.code == "not-yet" and agreement.updated_by == officer
    html = client.get(report_url(setup.group)).content.decode()
    persist = item_of(html, "persist")
    # The form beside the item now shows what was saved.
    assert re.search(r'<input[^>]*value="not-yet"[^>]*checked', persist)
    assert not re.search(r'<input[^>]*value="partly"[^>]*checked', persist)
    plan = text_of(html[html.index('id="plan-heading"') : html.index('id="strengths-heading"')])
    assert "Persist, persist, persist" in plan
    assert "Keep the three priority projects going for a year" in plan
    assert "Who leads: Leader of the council" in plan and "Reported to: Cabinet" in plan


def test_saving_a_key_action_off_the_agenda_returns_to_its_row_in_the_full_list(
    client, setup, officer
):
    client.force_login(officer)

    response = client.post(
        agreement_url(setup.group, "invite-external-challenges"),
        agreement_data("invite-external-challenges", option="yes"),
    )

    assert response.status_code == 302
    assert response["Location"] == (
        f"{report_url(setup.group)}#question-invite-external-challenges"
    )


def test_an_invalid_agreement_is_shown_again_with_its_errors(client, setup, officer):
    client.force_login(officer)

    response = client.post(agreement_url(setup.group), agreement_data(action_lead="Leader"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert "Choose the answer the group agreed" in html
    assert f'href="{report_url(setup.group)}#agenda-persist"' in html  # back to the item
    assert not GroupAgreement.objects.exists()


def test_a_save_from_a_page_drawn_before_someone_elses_save_is_refused(
    client, setup, officer, admin_user
):
    client.force_login(officer)
    html = client.get(report_url(setup.group)).content.decode()
    drawn = revision_on(html, "persist")
    record(setup.group, "persist", admin_user, option="yes", action="The admin's action")

    response = client.post(
        agreement_url(setup.group),
        agreement_data(option="not-yet", action_what="Mine", revision=drawn),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone saved this agreement after you opened the page" in page
    assert "The admin&#x27;s action" in page or "The admin's action" in page  # what was saved
    agreement = GroupAgreement.objects.get(group=setup.group, question__code="persist")
    assert agreement.option.code == "yes" and agreement.updated_by == admin_user

    # Having seen it, saving again goes through.
    again = client.post(
        agreement_url(setup.group),
        agreement_data(option="not-yet", action_what="Mine", revision=revision_on(page, "persist")),
    )

    assert again.status_code == 302
    agreement.refresh_from_db()
    assert agreement.option.code == "not-yet" and agreement.updated_by == officer


def test_a_save_that_finds_an_agreement_created_since_the_page_was_drawn_is_refused(
    client, setup, officer, admin_user
):
    client.force_login(officer)
    record(setup.group, "persist", admin_user, option="yes")

    response = client.post(
        agreement_url(setup.group), agreement_data(option="not-yet", revision="")
    )

    assert response.status_code == 200
    assert GroupAgreement.objects.get(group=setup.group).option.code == "yes"


def test_a_first_save_never_replaces_another_officers_first_save(
    setup, officer, admin_user, checklist
):
    question = Question.objects.get(area__checklist=checklist, code="persist")
    yes, partly = (
        AnswerOption.objects.get(checklist=checklist, code=code) for code in ("yes", "partly")
    )
    groups.group_record_agreement(
        group=setup.group, question=question, option=yes, by=admin_user, is_new=True
    )

    with pytest.raises(groups.StaleAgreement):
        groups.group_record_agreement(
            group=setup.group, question=question, option=partly, by=officer, is_new=True
        )

    assert GroupAgreement.objects.get(group=setup.group).option == yes


def test_two_first_saves_at_once_keep_the_first_and_show_it_to_the_second(
    client, setup, officer, admin_user, monkeypatch
):
    """The other officer's first save lands between this page's locked read (which found
    nothing) and its insert: this save is refused and shows theirs, never a 500."""
    real = groups.group_record_agreement

    def another_officer_first(**kwargs):
        group = kwargs["group"]
        GroupAgreement.objects.create(
            group=group,
            question=kwargs["question"],
            option=AnswerOption.objects.get(checklist=group.checklist, code="yes"),
            updated_by=admin_user,
        )
        return real(**kwargs)

    monkeypatch.setattr(groups, "group_record_agreement", another_officer_first)
    client.force_login(officer)

    response = client.post(
        agreement_url(setup.group), agreement_data(option="not-yet", revision="")
    )

    assert response.status_code == 200
    assert "Someone saved this agreement after you opened the page" in response.content.decode()
    assert GroupAgreement.objects.get(group=setup.group).option.code == "yes"


# --- Guards --------------------------------------------------------------------------------


def test_a_closed_group_refuses_agreements_and_shows_them_read_only(client, setup, officer):
    record(setup.group, "persist", officer, option="partly", action="Review it every quarter")
    groups.group_set_status(group=setup.group, status=CouncillorGroup.Status.CLOSED)
    client.force_login(officer)

    posted = client.post(agreement_url(setup.group), agreement_data(option="yes"))
    opened = client.get(agreement_url(setup.group))
    html = client.get(report_url(setup.group)).content.decode()

    assert posted.status_code == opened.status_code == 302
    assert posted["Location"] == f"{report_url(setup.group)}#agenda-persist"
    assert GroupAgreement.objects.get(group=setup.group).option.code == "partly"
    assert "<form" not in agenda_of(html) and "Save agreed answer" not in html
    assert "Agreed answer Partly" in text_of(item_of(html, "persist"))
    assert f'href="{agreement_url(setup.group)}"' not in html


def test_the_service_itself_refuses_to_change_a_closed_groups_agreement(setup, officer, checklist):
    record(setup.group, "persist", officer, option="partly", action="Review it every quarter")
    groups.group_set_status(group=setup.group, status=CouncillorGroup.Status.CLOSED)
    question = Question.objects.get(area__checklist=checklist, code="persist")

    with pytest.raises(groups.GroupError, match="agreed and closed"):
        groups.group_record_agreement(
            group=setup.group, question=question, option=None, note="", by=officer
        )

    assert GroupAgreement.objects.get(group=setup.group).option.code == "partly"


def test_another_councils_officer_gets_404(client, setup, other_officer):
    client.force_login(other_officer)

    assert client.get(report_url(setup.group)).status_code == 404
    assert client.get(agreement_url(setup.group)).status_code == 404
    assert client.post(agreement_url(setup.group), agreement_data(option="yes")).status_code == 404
    assert not GroupAgreement.objects.exists()


def test_a_councillor_outside_the_group_gets_404(client, setup):
    client.force_login(setup.others[0])

    assert client.get(report_url(setup.group)).status_code == 404
    assert client.post(agreement_url(setup.group), agreement_data(option="yes")).status_code == 404


def test_a_member_cannot_record_an_agreement(client, setup):
    client.force_login(setup.members[0])

    response = client.post(agreement_url(setup.group), agreement_data(option="yes"))

    assert response.status_code == 403
    assert not GroupAgreement.objects.exists()


# --- Queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("members", [6, 60])
def test_the_page_with_its_agenda_forms_runs_the_same_queries_for_6_and_60_members(
    client, checklist, council, officer, members, django_assert_num_queries
):
    setup = build_group(council, checklist, councillors=members, members=members)
    for code in AGENDA[:3]:
        record(setup.group, code, officer, option="partly", action="Something to do")
    client.force_login(officer)
    client.get(report_url(setup.group))  # warm the session

    # session, user, group, round, counts, questions, scale, agreements
    with django_assert_num_queries(8):
        response = client.get(report_url(setup.group))

    html = response.content.decode()
    assert agenda_of(html).count(ITEM) == 5 and html.count("Save agreed answer") == 5
