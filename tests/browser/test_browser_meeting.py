"""
A whole group meeting, in a browser on a live server, as an officer runs it: create a group of
six with a meeting date, add the members (each emailed, read from the outbox), five submit, the
agenda shows its five labelled items, the group's agreed answer and action are recorded beside
each, the meeting pack and the agreed plan are downloaded and read back, and the group is closed.
axe runs on every page of it, at 1280 px and again at 320 px.
"""

import datetime
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page
from pypdf import PdfReader

from assessments.models import CouncillorGroup, GroupAgreement
from tests.browser.helpers import axe_check, horizontal_overflow, sign_in
from tests.builders import make_user, submit

pytestmark = pytest.mark.browser

MEMBERS = ["Ann Ash", "Bea Birch", "Cal Cedar", "Dee Elm", "Eve Fir", "Fay Holly"]
# Five submit; their answers make shared gaps and split views (Fay does not submit).
ANSWERS = [
    {"persist": "not-yet", "monitor-progress": "partly", "devote-resources": "partly"},
    {
        "persist": "partly",
        "monitor-progress": "not-yet",
        "encourage-creativity": "not-yet",
        "devote-resources": "partly",
    },
    {"persist": "not-yet", "monitor-progress": "not-yet", "devote-resources": "not-yet"},
    {"persist": "partly", "monitor-progress": "partly", "encourage-creativity": "not-yet"},
    {"persist": "not-yet", "select-priority-areas": "not-yet", "encourage-creativity": "yes"},
]


def checked(page: Page) -> None:
    """The page as it stands passes axe and does not scroll sideways."""
    axe_check(page)
    assert horizontal_overflow(page) == 0, page.url


def fill_date(page: Page, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def pdf_text(page: Page, url: str) -> tuple[int, str]:
    response = page.request.get(url)
    assert response.status == 200, url
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    return len(reader.pages), text


@pytest.mark.parametrize("width", [1280, 320])
def test_an_officer_runs_a_whole_meeting_from_group_to_agreed_plan(
    browser, live_server, checklist, council, officer, run_tasks, width
):
    members = [
        make_user(email=f"{name.split()[0].lower()}@example.org", full_name=name, council=council)
        for name in MEMBERS
    ]
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    today = timezone.localdate()
    meeting, due = today + datetime.timedelta(days=21), today + datetime.timedelta(days=14)

    # The officer creates the group, with its meeting date and answers deadline.
    sign_in(page, officer.email)
    page.goto(reverse("assessments:group_create"))
    checked(page)
    page.get_by_label("Group name").fill("Cabinet")
    fill_date(page, "Meeting date (optional)", meeting)
    fill_date(page, "Answers due (optional)", due)
    page.get_by_role("button", name="Create group").click()
    group = CouncillorGroup.objects.get(council=council, name="Cabinet")
    assert (group.meeting_date, group.answers_due, group.agenda_size) == (meeting, due, 5)
    checked(page)

    # Six members added; each gets one email, sent by the task queue.
    page.goto(reverse("assessments:group_members", args=[group.pk]))
    checked(page)
    for name in MEMBERS:
        page.get_by_label(name).check()
    page.get_by_role("button", name="Add members").click()
    checked(page)
    run_tasks()
    assert sorted(message.to[0] for message in mail.outbox) == sorted(m.email for m in members)
    assert all("Cabinet" in message.subject for message in mail.outbox)
    assert all(f"{due:%-d %B %Y}" in message.body for message in mail.outbox)

    # Five submit (privately, as councillors do); the officer starts the discussion.
    for member, answers in zip(members, ANSWERS, strict=False):
        submit(member, checklist, answers, group=group)
    page.goto(reverse("assessments:group_edit", args=[group.pk]))
    page.get_by_label("Discussing").check()
    page.get_by_role("button", name="Save changes").click()
    group.refresh_from_db()
    assert group.status == CouncillorGroup.Status.DISCUSSION

    # The agenda: five items, each labelled in words with the counts that put it there.
    page.goto(reverse("assessments:group_report", args=[group.pk]))
    checked(page)
    items = page.locator(".app-agenda-item")
    assert items.count() == 5
    codes = []
    for index in range(5):
        item = items.nth(index)
        label = item.locator(".app-gap__tags .govuk-tag").first.inner_text()
        assert label in {"Shared gap", "Split view"}
        assert re.search(r"\d", item.locator(".app-agenda-item__why").inner_text())
        codes.append(item.get_attribute("id").removeprefix("agenda-"))

    # Beside each item, the agreed answer and an action; saving keeps the officer on the item.
    for code in codes:
        item = page.locator(f"#agenda-{code}")
        item.get_by_label("Partly").check()
        item.get_by_text("Agreed action: what, who leads, by when, where reported").click()
        item.get_by_label("Agreed action (optional)").fill(f"Bring a paper on {code} to cabinet")
        item.get_by_label("Who leads it? (optional)").fill("Cabinet member for transformation")
        item.get_by_role("button", name="Save agreed answer").click()
        page.wait_for_load_state()
        assert page.url.endswith(f"#agenda-{code}"), page.url
    checked(page)
    assert GroupAgreement.objects.filter(group=group, action_what__startswith="Bring").count() == 5

    # Paper for the room: the meeting pack and the agreed plan, read back.
    pages, pack = pdf_text(page, reverse("assessments:group_meeting_pack", args=[group.pk]))
    assert "Cabinet" in pack and pages >= 2
    _, plan = pdf_text(page, reverse("assessments:group_agreed_plan", args=[group.pk]))
    for code in codes:
        assert f"Bring a paper on {code} to cabinet" in plan

    # The projector view of the agenda, first item.
    page.goto(reverse("assessments:group_projector", args=[group.pk]))
    checked(page)

    # Agreed: the group closes and keeps what it agreed.
    page.goto(reverse("assessments:group_edit", args=[group.pk]))
    page.get_by_label("Agreed (closed)").check()
    page.get_by_role("button", name="Save changes").click()
    group.refresh_from_db()
    assert group.is_closed
    page.goto(reverse("assessments:group_report", args=[group.pk]))
    checked(page)
    assert page.get_by_role("button", name=re.compile("Save agreed answer")).count() == 0
    context.close()
