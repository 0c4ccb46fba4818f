"""The group report: counts, agenda, shared gaps, the minimum, agreements and query counts."""

import datetime
import re
from fractions import Fraction

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import group_reports, groups
from assessments.models import (
    AnswerOption,
    Assessment,
    ChecklistVersion,
    CouncillorGroup,
    GroupAgreement,
    Question,
)
from assessments.scoring import AgendaReason
from tests.builders import submit
from tests.group_helpers import (
    AGENDA,
    SHARED_GAPS,
    SPLIT_VIEWS,
    SPREAD,
    build_group,
)


@pytest.fixture
def setup(checklist, council, officer):
    return build_group(council, checklist, facilitator=officer)


def report_url(group) -> str:
    return reverse("assessments:group_report", args=[group.pk])


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- The figures ---------------------------------------------------------------------------


def test_it_counts_each_answer_to_each_key_action(setup):
    report = group_reports.build_group_report(setup.group)

    assert report.responses == 12
    rows = {row.code: {c.option.code: c.count for c in row.counts} for row in report.questions}
    assert rows["encourage-creativity"] == {"yes": 6, "partly": 0, "not-yet": 6, "not-sure": 0}
    assert rows["look-for-fresh-ideas"] == {"yes": 3, "partly": 6, "not-yet": 0, "not-sure": 3}
    assert rows["monitor-progress"] == {"yes": 0, "partly": 0, "not-yet": 10, "not-sure": 2}
    assert rows["invite-external-challenges"] == {
        "yes": 12,
        "partly": 0,
        "not-yet": 0,
        "not-sure": 0,
    }
    assert len(rows) == 20


def test_the_agenda_takes_five_shared_gaps_and_split_views_in_turn(setup):
    report = group_reports.build_group_report(setup.group)

    assert [item.code for item in report.agenda] == AGENDA
    assert [item.number for item in report.agenda] == [1, 2, 3, 4, 5]
    assert [item.reason for item in report.agenda] == [
        AgendaReason.SHARED_GAP,
        AgendaReason.SPLIT_VIEW,
        AgendaReason.SHARED_GAP,
        AgendaReason.SPLIT_VIEW,
        AgendaReason.SHARED_GAP,
    ]
    rows = {row.code: row for row in report.questions}
    assert [code for code in SPLIT_VIEWS if rows[code].is_split_view] == SPLIT_VIEWS
    assert rows["take-calculated-risks"].disagreement == Fraction(2, 3)
    assert rows["space-to-test"].disagreement == Fraction(35, 144)
    assert rows["look-for-fresh-ideas"].disagreement == Fraction(2, 9)


def test_the_agenda_has_the_groups_agenda_size(setup):
    setup.group.agenda_size = 8
    setup.group.save()

    report = group_reports.build_group_report(setup.group)

    assert [item.code for item in report.agenda] == [
        *AGENDA,
        "listen-to-others",  # split view: 25 %, after the research priority
        "space-to-test",  # shared gap: 12 of 12
        "look-for-fresh-ideas",  # split view: 22 %
    ]


def test_each_agenda_item_explains_itself_with_the_counts_that_put_it_there(setup):
    items = {item.code: item for item in group_reports.build_group_report(setup.group).agenda}

    assert items["persist"].explanation == (
        "12 of 12 members answered Partly or Not yet. "
        "Members also answered differently: 6 Partly, 6 Not yet"
    )
    assert items["encourage-creativity"].explanation == (
        "Members answered differently: 6 Yes, 6 Not yet"
    )
    # Both a shared gap and a split view: labelled a shared gap, both facts shown.
    assert items["select-priority-areas"].is_also_split_view
    assert items["select-priority-areas"].explanation == (
        "11 of 12 members answered Partly or Not yet. "
        "Members also answered differently: 1 Yes, 11 Partly"
    )
    assert items["monitor-progress"].explanation == (
        "10 of 12 members answered Partly or Not yet: 10 Not yet, 2 Not sure"
    )
    assert not items["monitor-progress"].is_also_split_view
    assert all("%" not in item.explanation for item in items.values())


def test_shared_strengths_are_the_key_actions_most_members_answered_yes(setup):
    report = group_reports.build_group_report(setup.group)

    strengths = [row.code for row in report.shared_strengths]
    # Every key action not in SPREAD is Yes for everyone; half Yes is not "most".
    assert "invite-external-challenges" in strengths
    assert "encourage-creativity" not in strengths and "devote-resources" not in strengths
    assert len(strengths) == 20 - len(SPREAD)


def test_the_action_plan_lists_agreed_actions_in_agenda_order_then_leaflet_order(setup, officer):
    def agree(code, action):
        groups.group_record_agreement(
            group=setup.group,
            question=Question.objects.get(area__checklist=setup.group.checklist, code=code),
            option=None,
            action_what=action,
            by=officer,
        )

    agree("invite-external-challenges", "Invite a peer review")  # not on the agenda
    agree("encourage-creativity", "Run an ideas week")  # agenda 2
    agree("persist", "Review the priority projects")  # agenda 1
    agree("monitor-progress", "")  # an agreed answer with no action

    report = group_reports.build_group_report(setup.group)

    assert [row.code for row in report.agreed_actions] == [
        "persist",
        "encourage-creativity",
        "invite-external-challenges",
    ]


def test_shared_gaps_are_those_more_than_half_answered_partly_or_not_yet_ranked(setup):
    report = group_reports.build_group_report(setup.group)

    assert [row.code for row in report.shared_gaps] == SHARED_GAPS
    # Exactly half (6 of 12) is not "most members".
    assert "encourage-creativity" not in {row.code for row in report.shared_gaps}
    assert "look-for-fresh-ideas" not in {row.code for row in report.shared_gaps}
    assert [row.gap_count for row in report.shared_gaps] == [12, 11, 10, 12, 8]


def test_area_figures_are_computed_as_in_the_individual_report(setup):
    report = group_reports.build_group_report(setup.group)

    climate = report.areas[0]
    # 108 points of 138 (69 scored answers × 2): 78.26 % → 78 %.
    assert climate.score.points == 108
    assert climate.score.max_points == 138
    assert climate.score.percentage == 78
    assert report.overall.answered == 240


def test_the_spread_bar_always_adds_up_to_the_whole_width(setup):
    report = group_reports.build_group_report(setup.group)

    for row in report.questions:
        assert sum(width for _, width in row.segments) == 100
        assert all(width % 5 == 0 for _, width in row.segments)


# --- Who counts ----------------------------------------------------------------------------


def test_only_each_members_latest_submitted_linked_assessment_counts(checklist, council, officer):
    setup = build_group(council, checklist, facilitator=officer, discuss=False)
    member = setup.members[0]  # answered Yes to encourage-creativity
    submit(
        member,
        checklist,
        {"encourage-creativity": "not-yet"},
        group=setup.group,
        submitted_at=timezone.now() + datetime.timedelta(hours=1),
    )
    # A draft linked to the group and unlinked submissions do not count.
    Assessment.objects.create(owner=setup.members[1], checklist=checklist, group=setup.group)
    for other in setup.others[:5]:
        submit(other, checklist, {"encourage-creativity": "not-yet"})
    groups.group_set_status(group=setup.group, status=CouncillorGroup.Status.DISCUSSION)

    report = group_reports.build_group_report(setup.group)

    assert report.responses == 12
    counts = {c.option.code: c.count for c in report.questions[0].counts}
    assert counts["yes"] == 5 and counts["not-yet"] == 7


def test_a_member_removed_while_collecting_keeps_their_assessments_and_is_not_counted(
    checklist, council, officer
):
    setup = build_group(council, checklist, facilitator=officer, discuss=False)
    member = setup.members[0]
    assessment = setup.assessments[member.pk]

    groups.group_remove_member(group=setup.group, user=member)
    groups.group_set_status(group=setup.group, status=CouncillorGroup.Status.DISCUSSION)

    assessment.refresh_from_db()
    assert assessment.is_submitted and assessment.group_id == setup.group.pk
    assert assessment.answers.count() == 20
    report = group_reports.build_group_report(setup.group)
    assert report.responses == 11
    counts = {c.option.code: c.count for c in report.questions[0].counts}
    assert counts == {"yes": 5, "partly": 0, "not-yet": 6, "not-sure": 0}


def test_answers_on_another_checklist_version_match_by_key_action(setup, checklist):
    newer = ChecklistVersion.objects.create(
        number=99, title="Next", innovation_definition="x", key_findings="y"
    )
    area = checklist.areas.get(
        code=Question.objects.get(area__checklist=checklist, code="encourage-creativity").area.code
    )
    new_area = newer.areas.create(code=area.code, order=1, title=area.title)
    new_area.questions.create(
        code="encourage-creativity", order=1, summary="Encourage creativity", text="Reworded?"
    )
    for option in AnswerOption.objects.filter(checklist=checklist):
        AnswerOption.objects.create(
            checklist=newer,
            code=option.code,
            label=option.label,
            points=option.points,
            order=option.order,
        )
    setup.group.checklist = newer
    setup.group.save()

    report = group_reports.build_group_report(setup.group)

    assert [row.code for row in report.questions] == ["encourage-creativity"]
    assert report.questions[0].answered == 12


# --- The minimum ---------------------------------------------------------------------------


def test_below_the_minimum_it_says_how_many_more_and_shows_no_figures(
    client, checklist, council, officer
):
    setup = build_group(council, checklist, councillors=5, members=5, submitted=2)
    client.force_login(officer)

    response = client.get(report_url(setup.group))

    html = response.content.decode()
    assert response.status_code == 200
    assert "1 more member needs to submit" in html
    assert "Agenda for discussion" not in html
    assert "Download PDF" not in html and "Download CSV" not in html
    assert "Councillor 00" not in html and "Councillor 01" not in html
    assert not re.search(r"\b\d+ (Yes|Partly|Not yet|Not sure)\b", text_of(html))
    pdf = client.get(reverse("assessments:group_report_pdf", args=[setup.group.pk]))
    csv = client.get(reverse("assessments:group_report_csv", args=[setup.group.pk]))
    assert pdf.status_code == csv.status_code == 302


def test_the_minimum_is_a_setting(client, settings, checklist, council, officer):
    settings.GROUP_MIN_RESPONSES = 6
    setup = build_group(council, checklist, councillors=6, members=6, submitted=5)
    client.force_login(officer)

    html = client.get(report_url(setup.group)).content.decode()

    assert "at least 6 members" in html and "1 more member needs to submit" in html


def test_at_the_minimum_the_report_shows_the_figures(client, checklist, council, officer):
    setup = build_group(council, checklist, councillors=3, members=3)
    client.force_login(officer)

    html = client.get(report_url(setup.group)).content.decode()

    assert "Agenda for discussion" in html
    assert "count the assessments of 3 members" in html


# --- The page ------------------------------------------------------------------------------


def test_the_page_lists_the_agenda_in_order_with_research_priorities_marked(client, setup, officer):
    client.force_login(officer)

    html = client.get(report_url(setup.group)).content.decode()

    agenda = html[html.index('id="agenda-heading"') : html.index('id="shared-gaps-heading"')]
    positions = [agenda.index(f'id="agenda-{code}"') for code in AGENDA]
    assert positions == sorted(positions)
    persist = agenda[agenda.index('id="agenda-persist"') :][:800]
    assert "Research priority" in persist and "Shared gap" in persist
    assert "12 of 12 members answered Partly or Not yet" in text_of(persist)
    assert "Disagreement:" not in html
    assert "How this report works" in html and "take turns, a shared gap first" in html
    assert 'style="' not in html
    for member in setup.members:
        assert member.full_name not in html


def test_a_member_sees_the_report_but_cannot_record_agreements(client, setup):
    client.force_login(setup.members[3])

    response = client.get(report_url(setup.group))

    assert response.status_code == 200
    assert "Download PDF" in response.content.decode()
    assert "Download CSV" not in response.content.decode()
    assert "Record agreed answer" not in response.content.decode()


# --- Agreements ----------------------------------------------------------------------------


def agreement_url(group, code="persist") -> str:
    return reverse("assessments:group_agreement", args=[group.pk, code])


def agreement_data(code="persist", **fields) -> dict:
    """The agreement form's fields as posted: each form on the report is prefixed by its code."""
    return {f"{code}-{name}": value for name, value in fields.items()}


def test_the_officer_records_the_agreed_answer_and_action(client, setup, officer):
    client.force_login(officer)
    due = timezone.localdate() + datetime.timedelta(days=30)

    response = client.post(
        agreement_url(setup.group),
        agreement_data(
            option="partly",
            note="We keep going on the big ones.",
            action_what="Report on the three priority projects every quarter",
            action_lead="Leader of the council",
            action_due_date_0=due.day,
            action_due_date_1=due.month,
            action_due_date_2=due.year,
            action_reported_to="Cabinet",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == f"{report_url(setup.group)}#agenda-persist"
    agreement = GroupAgreement.objects.get(group=setup.group, question__code="persist")
    assert agreement.option.code == "partly"
    assert agreement.action_due_date == due
    assert agreement.updated_by == officer
    html = client.get(report_url(setup.group)).content.decode()
    plan = html[html.index('id="plan-persist"') :][:3000]
    assert "Agreed answer: Partly. Members’ answers: 6 Partly, 6 Not yet." in text_of(plan)
    assert "Report on the three priority projects every quarter" in plan
    assert "Leader of the council" in plan


def test_the_agreement_form_explains_its_errors_plainly(client, setup, officer):
    client.force_login(officer)
    past = timezone.localdate() - datetime.timedelta(days=1)

    response = client.post(
        agreement_url(setup.group),
        agreement_data(
            action_what="x" * 1001,
            action_lead="Leader",
            action_due_date_0=past.day,
            action_due_date_1=past.month,
            action_due_date_2=past.year,
        ),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert "Choose the answer the group agreed" in html
    assert "The agreed action must be 1000 characters or fewer" in html
    assert "The date must be today or in the future" in html
    assert not GroupAgreement.objects.exists()


def test_details_of_an_action_need_the_action_itself(client, setup, officer):
    client.force_login(officer)
    response = client.post(
        agreement_url(setup.group), agreement_data(option="yes", action_lead="Leader")
    )

    assert "Enter the agreed action, or leave who, when and where empty" in (
        response.content.decode()
    )


def test_agreements_wait_until_the_report_is_shown(client, checklist, council, officer):
    setup = build_group(council, checklist, councillors=3, members=3, submitted=1)
    client.force_login(officer)

    response = client.get(agreement_url(setup.group))

    assert response.status_code == 302


def test_an_unknown_key_action_is_not_found(client, setup, officer):
    client.force_login(officer)

    assert client.get(agreement_url(setup.group, "no-such-action")).status_code == 404


# --- Queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("members", [3, 30])
def test_the_report_runs_a_fixed_number_of_queries(
    client, checklist, council, officer, members, django_assert_num_queries
):
    setup = build_group(council, checklist, councillors=members, members=members, spread={})
    GroupAgreement.objects.create(
        group=setup.group, question=Question.objects.get(code="persist"), updated_by=officer
    )
    client.force_login(officer)
    client.get(report_url(setup.group))  # warm the session

    # session, user, group, responses, counts, questions, scale, agreements
    with django_assert_num_queries(8):
        response = client.get(report_url(setup.group))
    assert response.status_code == 200


def test_the_counts_are_not_confused_by_the_spread_fixture(setup):
    assert all(len(answers) == 12 for answers in SPREAD.values())
