"""A group meeting's papers: the meeting pack and agreed-plan PDFs, and the projector view."""

import datetime
import io
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from pypdf import PdfReader

from assessments import exports, group_reports, groups, pdf
from assessments.models import AnswerOption, CouncillorGroup, Question
from tests.group_helpers import build_group
from tests.test_pdf_tags import assert_tagged, text_sizes

PROMPTS = "What would it take to say Yes?\n\n  Who else should be in the room?  \n"


@pytest.fixture
def setup(checklist, council, officer):
    setup = build_group(council, checklist, facilitator=officer)
    CouncillorGroup.objects.filter(pk=setup.group.pk).update(
        meeting_date=datetime.date(2027, 1, 12), answers_due=datetime.date(2027, 1, 8)
    )
    return setup


@pytest.fixture
def report(setup):
    return group_reports.build_group_report(setup.group)


def pack_url(group) -> str:
    return reverse("assessments:group_meeting_pack", args=[group.pk])


def plan_url(group) -> str:
    return reverse("assessments:group_agreed_plan", args=[group.pk])


def projector_url(group, screen: int | None = None) -> str:
    if screen is None:
        return reverse("assessments:group_projector", args=[group.pk])
    return reverse("assessments:group_projector_screen", args=[group.pk, screen])


def pages_of(content: bytes) -> list[str]:
    """Each page's text, its whitespace (line breaks included) run together."""
    reader = PdfReader(io.BytesIO(content))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def agree(group, code: str, *, by, option: str | None = "partly", **action) -> None:
    """Record the group's agreement on one key action, as its officer does."""
    groups.group_record_agreement(
        group=group,
        question=Question.objects.get(area__checklist_id=group.checklist_id, code=code),
        option=None
        if option is None
        else AnswerOption.objects.get(checklist_id=group.checklist_id, code=option),
        by=by,
        **action,
    )


# --- The meeting pack ----------------------------------------------------------------------


def test_the_pack_opens_with_the_meetings_facts_on_a_page_of_its_own(client, setup, officer):
    client.force_login(officer)

    pages = pages_of(client.get(pack_url(setup.group)).content)

    cover = pages[0]
    assert "Meeting pack: Cabinet" in cover
    assert setup.council.name in cover
    assert "Meeting date: 12 January 2027" in cover
    assert "Answers due: 8 January 2027" in cover
    assert "Members who submitted: 12 of 12" in cover
    assert "Item 1 of" not in cover


def test_the_pack_gives_each_agenda_item_its_spread_prompts_and_space_to_write(
    client, setup, report, officer
):
    first = report.agenda[0]
    Question.objects.filter(pk=first.row.question.pk).update(discussion_prompts=PROMPTS)
    client.force_login(officer)

    text = " ".join(pages_of(client.get(pack_url(setup.group)).content))

    total = len(report.agenda)
    assert total == setup.group.agenda_size
    for item in report.agenda:
        start = text.index(f"Item {item.number} of {total}: {item.row.question.summary}")
        section = text[start:]
        assert str(item.reason.label) in section[:400]
        assert "Members’ answers: " in section
        assert "Agreed answer (circle one): Yes · Partly · Not yet · Not sure" in section
        assert "Where progress will be reported" in section
    assert "What would it take to say Yes?" in text
    assert "Who else should be in the room?" in text  # trimmed, the blank line left out
    assert "The members’ shared strengths" in text


def test_no_agenda_item_is_split_across_pages(client, setup, report, officer):
    # Long prompts on every item, so that an item is close to a page's height.
    prompts = "\n".join(f"A longer question to start the discussion, number {n}?" for n in range(4))
    Question.objects.filter(area__checklist=setup.group.checklist).update(
        discussion_prompts=prompts
    )
    client.force_login(officer)

    pages = pages_of(client.get(pack_url(setup.group)).content)

    starts = [len(re.findall(r"Item \d+ of \d+:", page)) for page in pages]
    ends = [page.count("Where progress will be reported") for page in pages]
    assert starts == ends, (starts, ends)
    assert sum(starts) == len(report.agenda)
    assert max(starts) <= 2


def test_the_pack_is_tagged_with_its_title_and_prints_body_text_at_11pt(client, setup, officer):
    client.force_login(officer)

    content = client.get(pack_url(setup.group)).content
    tags = assert_tagged(content, title="Meeting pack: Cabinet")
    sizes = text_sizes(content)

    assert tags["H1"] == 1
    assert tags["H2"] >= setup.group.agenda_size
    assert tags["L"] >= 1
    assert sizes.most_common(1)[0][0] >= 11
    assert min(sizes) >= 10, sizes  # the spread's key alone, beside counts in words


def test_below_the_minimum_the_pack_says_the_figures_are_not_available_yet(
    client, checklist, council, officer
):
    setup = build_group(council, checklist, members=6, submitted=2)
    client.force_login(officer)

    response = client.get(pack_url(setup.group))
    text = " ".join(pages_of(response.content))

    assert response.status_code == 200
    assert "The group’s figures are not available yet" in text
    assert "Members who submitted" not in text
    assert "Item 1 of" not in text
    assert "shared strengths" not in text


def test_a_group_still_collecting_answers_has_no_figures_in_its_pack_even_above_the_minimum(
    client, checklist, council, officer
):
    setup = build_group(council, checklist, members=6, discuss=False)
    client.force_login(officer)

    text = " ".join(pages_of(client.get(pack_url(setup.group)).content))

    assert "The group’s figures are not available yet" in text
    assert "Members who submitted" not in text


def test_the_pack_is_named_like_the_group_report(client, setup, officer):
    client.force_login(officer)

    response = client.get(pack_url(setup.group))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="innovation-meeting-pack-cabinet-'
    )
    assert "no-store" in response["Cache-Control"]


# --- The agreed plan -----------------------------------------------------------------------


def test_the_plan_lists_agreements_in_agenda_order_then_leaflet_order(
    client, setup, report, officer
):
    first, second = report.agenda[0].row.code, report.agenda[1].row.code
    on_agenda = {item.row.code for item in report.agenda}
    off_agenda = [row.code for row in report.questions if row.code not in on_agenda]
    agree(setup.group, off_agenda[1], by=officer, option="yes")
    agree(setup.group, off_agenda[0], by=officer, option="yes")
    agree(
        setup.group,
        second,
        by=officer,
        action_what="Pilot a test budget",
        action_lead="Cabinet member for resources",
        action_due_date=datetime.date(2027, 3, 31),
        action_reported_to="Scrutiny committee",
    )
    agree(setup.group, first, by=officer, option="not-yet")
    agree(setup.group, off_agenda[2], by=officer, option=None)  # neither answer nor action
    client.force_login(officer)

    content = client.get(plan_url(setup.group)).content
    text = " ".join(pages_of(content))

    summaries = {row.code: row.question.summary for row in report.questions}
    positions = [text.index(summaries[code]) for code in (first, second, *off_agenda[:2])]
    assert positions == sorted(positions)
    assert summaries[off_agenda[2]] not in text
    assert "Agenda item 1:" in text and "Agenda item 2:" in text
    assert "What will be done Pilot a test budget" in text
    assert "Who leads it Cabinet member for resources" in text
    assert "By when 31 March 2027" in text
    assert "Where progress will be reported Scrutiny committee" in text
    assert_tagged(content, title="Agreed plan: Cabinet")
    assert text_sizes(content).most_common(1)[0][0] >= 11


def test_the_plan_says_plainly_when_nothing_is_agreed_yet(client, setup, officer):
    client.force_login(officer)

    text = " ".join(pages_of(client.get(plan_url(setup.group)).content))

    assert "Nothing agreed yet" in text


def test_the_plan_of_a_group_below_the_minimum_says_nothing_is_agreed(
    client, checklist, council, officer
):
    setup = build_group(council, checklist, members=6, submitted=2)
    client.force_login(officer)

    text = " ".join(pages_of(client.get(plan_url(setup.group)).content))

    assert "Nothing agreed yet" in text
    assert "Members who submitted" not in text


def test_a_closed_groups_papers_and_projector_still_show_what_it_agreed(
    client, setup, report, officer
):
    agree(setup.group, report.agenda[0].row.code, by=officer, option="yes")
    groups.group_set_status(group=setup.group, status=CouncillorGroup.Status.CLOSED)
    client.force_login(officer)

    plan = " ".join(pages_of(client.get(plan_url(setup.group)).content))
    pack = " ".join(pages_of(client.get(pack_url(setup.group)).content))

    screen = text_of(client.get(projector_url(setup.group, 1)).content.decode())

    assert report.agenda[0].row.question.summary in plan
    assert "Status: Agreed (closed)" in plan
    assert "Item 1 of" in pack
    assert "Agreed: Yes" in screen


def test_the_plan_is_named_like_the_group_report(client, setup, officer):
    client.force_login(officer)

    response = client.get(plan_url(setup.group))

    assert response["Content-Disposition"].startswith(
        'attachment; filename="innovation-agreed-plan-cabinet-'
    )


# --- Caching -------------------------------------------------------------------------------


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The HTML of each PDF rendered, in order."""
    rendered: list[str] = []
    real = pdf.html_to_pdf

    def counting(html, **options):
        rendered.append(html)
        return real(html, **options)

    monkeypatch.setattr(pdf, "html_to_pdf", counting)
    return rendered


@pytest.mark.parametrize("url", [pack_url, plan_url])
def test_each_paper_is_rendered_once_until_the_group_changes(client, setup, officer, renders, url):
    client.force_login(officer)

    first = client.get(url(setup.group)).content
    again = client.get(url(setup.group)).content
    assert len(renders) == 1 and again == first

    CouncillorGroup.objects.filter(pk=setup.group.pk).update(name="Cabinet away day")
    client.get(url(setup.group))
    assert len(renders) == 2
    assert "Cabinet away day" in renders[-1]


def test_the_plan_is_rendered_again_whenever_an_agreement_changes(
    client, setup, report, officer, renders
):
    client.force_login(officer)
    client.get(plan_url(setup.group))

    agree(setup.group, report.agenda[0].row.code, by=officer, option="yes")
    client.get(plan_url(setup.group))
    agree(setup.group, report.agenda[0].row.code, by=officer, option="not-yet")
    client.get(plan_url(setup.group))
    client.get(plan_url(setup.group))

    assert len(renders) == 3
    assert "Not yet" in text_of(renders[-1])


def test_the_pack_is_rendered_again_when_the_meeting_or_a_prompt_changes(
    client, setup, report, officer, renders
):
    client.force_login(officer)
    client.get(pack_url(setup.group))

    CouncillorGroup.objects.filter(pk=setup.group.pk).update(
        meeting_date=datetime.date(2027, 1, 19)
    )
    client.get(pack_url(setup.group))
    Question.objects.filter(pk=report.agenda[0].row.question.pk).update(
        discussion_prompts="Is this still true?"
    )
    client.get(pack_url(setup.group))
    agree(setup.group, report.agenda[0].row.code, by=officer)  # not printed in the pack
    client.get(pack_url(setup.group))

    assert len(renders) == 3
    assert "19 January 2027" in renders[1]
    assert "Is this still true?" in renders[2]


def test_the_two_papers_are_cached_apart(client, setup, officer, renders):
    client.force_login(officer)

    pack = client.get(pack_url(setup.group)).content
    plan = client.get(plan_url(setup.group)).content

    assert len(renders) == 2
    assert pack != plan


# --- The projector view --------------------------------------------------------------------


def test_the_projector_starts_with_the_agenda_and_a_link_to_the_first_item(
    client, setup, report, officer
):
    client.force_login(officer)

    response = client.get(projector_url(setup.group))
    html = response.content.decode()

    assert response.status_code == 200
    for item in report.agenda:
        assert item.row.question.summary in html
    assert f'href="{projector_url(setup.group, 1)}" rel="next"' in html
    assert 'rel="prev"' not in html


def test_each_projector_screen_shows_one_item_with_links_either_side(
    client, setup, report, officer
):
    Question.objects.filter(pk=report.agenda[1].row.question.pk).update(discussion_prompts=PROMPTS)
    client.force_login(officer)

    html = client.get(projector_url(setup.group, 2)).content.decode()
    text = text_of(html)

    item = report.agenda[1]
    total = len(report.agenda)
    assert f"Item 2 of {total}" in text
    assert item.row.question.summary in text
    assert str(item.reason.label) in text
    assert item.explanation in text
    assert "What would it take to say Yes?" in text
    assert report.agenda[0].row.question.summary not in text
    assert f'href="{projector_url(setup.group, 1)}" rel="prev"' in html
    assert f'href="{projector_url(setup.group, 3)}" rel="next"' in html


def test_the_first_item_goes_back_to_the_start_and_the_last_on_to_the_end(
    client, setup, report, officer
):
    client.force_login(officer)
    total = len(report.agenda)

    first = client.get(projector_url(setup.group, 1)).content.decode()
    last = client.get(projector_url(setup.group, total)).content.decode()
    end = client.get(projector_url(setup.group, total + 1)).content.decode()

    assert f'href="{projector_url(setup.group)}" rel="prev"' in first
    assert f'href="{projector_url(setup.group, total + 1)}" rel="next"' in last
    assert "End of the agenda" in end
    assert f'href="{projector_url(setup.group, total)}" rel="prev"' in end
    assert 'rel="next"' not in end


@pytest.mark.parametrize("screen", [0, 7, 99])
def test_a_screen_outside_the_agenda_is_not_found(client, setup, officer, screen):
    client.force_login(officer)

    assert client.get(projector_url(setup.group, screen)).status_code == 404


def test_below_the_minimum_the_projector_only_says_the_figures_are_not_available(
    client, checklist, council, officer
):
    setup = build_group(council, checklist, members=6, submitted=2)
    client.force_login(officer)

    start = client.get(projector_url(setup.group)).content.decode()

    assert "The group’s figures are not available yet." in start
    assert 'rel="next"' not in start
    assert client.get(projector_url(setup.group, 1)).status_code == 404


def test_the_projector_shows_no_members_names(client, setup, report, officer):
    client.force_login(officer)
    screens = range(len(report.agenda) + 2)

    pages = [
        client.get(projector_url(setup.group, screen or None)).content.decode()
        for screen in screens
    ]

    for member in setup.members:
        assert not any(member.full_name in page or member.email in page for page in pages)


# --- Who may open them ---------------------------------------------------------------------

URLS = [pack_url, plan_url, projector_url, lambda group: projector_url(group, 1)]


@pytest.mark.parametrize("url", URLS)
def test_officers_of_another_council_cannot_tell_the_papers_exist(
    client, setup, other_officer, url
):
    client.force_login(other_officer)

    assert client.get(url(setup.group)).status_code == 404


@pytest.mark.parametrize("url", URLS)
def test_a_councillor_outside_the_group_is_not_shown_its_papers(client, setup, url):
    client.force_login(setup.others[0])

    assert client.get(url(setup.group)).status_code == 404


@pytest.mark.parametrize("url", URLS)
def test_a_member_may_not_open_the_facilitators_papers(client, setup, url):
    client.force_login(setup.members[0])

    assert client.get(url(setup.group)).status_code == 403


@pytest.mark.parametrize("url", URLS)
def test_signed_out_visitors_are_sent_to_sign_in(client, setup, url):
    response = client.get(url(setup.group))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("assessments:sign_in"))


@pytest.mark.parametrize("url", URLS)
def test_the_groups_officer_and_admins_open_the_papers(client, setup, officer, admin_user, url):
    for person in (officer, admin_user):
        client.force_login(person)
        assert client.get(url(setup.group)).status_code == 200


@pytest.mark.parametrize("url", URLS)
def test_the_papers_are_only_read(client, setup, officer, url):
    client.force_login(officer)

    assert client.post(url(setup.group)).status_code == 405


def test_the_report_page_links_to_the_papers_only_for_those_who_manage_the_group(report):
    links = render_to_string(
        "assessments/groups/papers/_links.html", {"report": report, "can_manage": True}
    )
    none = render_to_string(
        "assessments/groups/papers/_links.html", {"report": report, "can_manage": False}
    )

    for url in (pack_url, plan_url, projector_url):
        assert f'href="{url(report.group)}"' in links
    assert none.strip() == ""


# --- Queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("members", [6, 60])
@pytest.mark.parametrize(
    "url",
    [pack_url, plan_url, projector_url, lambda group: projector_url(group, 2)],
    ids=["meeting pack", "agreed plan", "projector start", "projector item"],
)
def test_the_papers_run_a_fixed_number_of_queries_whatever_the_groups_size(
    client, checklist, council, officer, members, url, django_assert_num_queries
):
    setup = build_group(council, checklist, councillors=members, members=members)
    report = group_reports.build_group_report(setup.group)
    for item in report.agenda[:2]:
        agree(setup.group, item.row.code, by=officer, action_what="Try it")
    client.force_login(officer)
    client.get(reverse("assessments:group_report", args=[setup.group.pk]))  # warm the session

    # session, user, group, round, counts, questions, scale, agreements
    with django_assert_num_queries(8):
        response = client.get(url(setup.group))
    assert response.status_code == 200


def test_agreed_plan_rows_leave_out_agreements_with_nothing_to_act_on(report, setup, officer):
    agree(setup.group, report.agenda[0].row.code, by=officer, option=None)
    agree(setup.group, report.agenda[1].row.code, by=officer, option=None, action_what="Do it")

    rows = exports.agreed_plan_rows(group_reports.build_group_report(setup.group))

    assert [r.row.code for r in rows] == [report.agenda[1].row.code]
    assert rows[0].agenda_number == 2
