"""
The Welsh service in a real browser (issue #15): a councillor's whole journey, the report and
its PDF, and an officer's group meeting, each in Welsh from its first page, with `lang="cy"`
on every document, axe at 0 on every page and nothing scrolling sideways at 320 px (Welsh runs
longer than English). The language switch keeps you on the same page, with your answers.

Every label is looked up in the service's own catalogue (`cy`), and content in its Welsh
columns, so the tests follow the translation rather than repeat it.
"""

import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page
from pypdf import PdfReader

from assessments.models import (
    AnswerOption,
    Area,
    Assessment,
    CouncillorGroup,
    GroupAgreement,
    Question,
    User,
)
from tests.browser.helpers import axe_violations, elements_past_the_right_edge, heading
from tests.builders import PASSWORD, make_user, submit
from tests.welsh_helpers import in_welsh, welsh

pytestmark = pytest.mark.browser


def cy(english: str) -> str:
    """The Welsh the service shows for an English UI string; fails if it has none."""
    with welsh():
        text = gettext(english)
    assert text != english, f"no Welsh for {english!r}"
    return text


def welsh_url(name: str, *args) -> str:
    with translation.override("cy"):
        return reverse(name, args=args)


def looked_at(page: Page, seen: list[str]) -> None:
    """The page as it stands: a Welsh document, no axe violation, and at 320 px nothing wider
    than the window. Problems are gathered so one run names them all."""
    lang = page.evaluate("document.documentElement.lang")
    if lang != "cy":
        seen.append(f"{page.url}: lang={lang!r}")
    seen.extend(axe_violations(page))
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    spills = elements_past_the_right_edge(page)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        seen.append(f"{page.url}: {overflow} px sideways at 320 px: {spills}")
    page.set_viewport_size(size)


def press(page: Page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def follow(page: Page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def sign_in_in_welsh(page: Page, email: str) -> None:
    page.goto(welsh_url("assessments:sign_in"))
    page.get_by_label(cy("Email address")).fill(email)
    page.get_by_label(cy("Password"), exact=True).fill(PASSWORD)
    press(page, cy("Sign in"))
    assert page.get_by_role("button", name=cy("Sign out")).count() == 1, page.url


def answer_every_question(page: Page, choice: int = 0) -> None:
    for fieldset in page.locator("fieldset.govuk-fieldset").all():
        radios = fieldset.locator("input[type=radio]")
        if radios.count():
            radios.nth(choice).check()


def test_a_councillor_answers_reads_the_report_and_prints_it_in_welsh(page, checklist, councillor):
    seen: list[str] = []
    page.goto(welsh_url("assessments:start"))
    assert heading(page) and page.title().endswith(cy("Key Actions for Innovation"))
    looked_at(page, seen)

    sign_in_in_welsh(page, councillor.email)
    assert heading(page) == cy("Your assessments")
    looked_at(page, seen)
    councillor.refresh_from_db()
    assert councillor.language == "cy"  # remembered on the account, for every email

    press(page, cy("Start a new assessment"))
    assert heading(page) == cy("Before you start")
    looked_at(page, seen)
    press(page, cy("Start your assessment"))
    assert heading(page) == cy("Your assessment")
    looked_at(page, seen)

    # The first area, sent with nothing chosen: the errors are Welsh, hidden prefixes too.
    first = Area.objects.filter(checklist=checklist).order_by("order").first()
    follow(page, page.get_by_role("link", name=first.title_cy))
    assert first.title_cy in heading(page)
    looked_at(page, seen)
    press(page, cy("Save and continue"))
    summary = page.locator(".govuk-error-summary")
    assert cy("There is a problem") in summary.inner_text()
    assert page.locator(".govuk-error-message .govuk-visually-hidden").first.inner_text() == (
        cy("Error:")
    )
    assert page.title().startswith(cy("Error:"))
    looked_at(page, seen)

    # Answer it, with a note, and keep it for later.
    answer_every_question(page)
    page.locator("textarea").first.fill("Rydym yn cynnal diwrnod syniadau bob gwanwyn.")
    press(page, cy("Save and come back later"))
    assessment = Assessment.objects.get(owner=councillor)
    area_url = welsh_url("assessments:area", assessment.pk, first.code)

    # The switch: the same page in English, the saved answers still there, and back.
    page.goto(area_url)
    follow(page, page.get_by_role("link", name="English"))
    assert page.url.endswith(reverse("assessments:area", args=[assessment.pk, first.code]))
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    assert first.title_en_gb in heading(page)
    english_checked = page.locator("input[type=radio]:checked").count()
    assert english_checked == Question.objects.filter(area=first).count()
    assert page.locator("textarea").first.input_value().startswith("Rydym yn cynnal")
    switch = page.get_by_role("link", name="Cymraeg")
    assert (switch.get_attribute("lang"), switch.get_attribute("hreflang")) == ("cy", "cy")
    follow(page, switch)
    assert page.url.endswith(area_url)
    assert page.locator("input[type=radio]:checked").count() == english_checked

    # The other areas, then check, submit and the report.
    for area in Area.objects.filter(checklist=checklist).order_by("order")[1:]:
        page.goto(welsh_url("assessments:area", assessment.pk, area.code))
        answer_every_question(page, choice=1)  # "Yn rhannol" (Partly): gaps for the report
        press(page, cy("Save and continue"))
    page.goto(welsh_url("assessments:check_answers", assessment.pk))
    assert heading(page) == cy("Check your answers")
    looked_at(page, seen)
    press(page, cy("Submit assessment"))
    looked_at(page, seen)
    press(page, cy("View report"))
    partly = AnswerOption.objects.get(checklist=checklist, code="partly")
    assert partly.label_cy in page.locator("main").inner_text()
    looked_at(page, seen)

    # The PDF: in Welsh, its document language Welsh, page numbers in Welsh.
    with page.expect_download() as download:
        page.get_by_role("button", name=cy("Download PDF")).click()
    reader = PdfReader(download.value.path())
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert reader.trailer["/Root"]["/Lang"] == "cy"
    assert cy("Key Actions for Innovation") in text and first.title_cy in text
    assert re.search(r"Tudalen 1 o \d", text)
    assert not seen, "\n".join(seen)


def test_an_officer_runs_a_group_meeting_in_welsh(
    browser, live_server, checklist, council, officer, run_tasks
):
    seen: list[str] = []
    members = [
        make_user(email=f"member{n}@example.org", full_name=f"Aelod {n}", council=council)
        for n in range(1, 6)
    ]
    User.objects.filter(pk__in=[m.pk for m in members]).update(language="cy")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_in_welsh(page, officer.email)

    page.goto(welsh_url("assessments:group_create"))
    looked_at(page, seen)
    page.get_by_label(cy("Group name")).fill("Cabinet")
    press(page, cy("Create group"))
    group = CouncillorGroup.objects.get(council=council, name="Cabinet")
    looked_at(page, seen)

    page.goto(welsh_url("assessments:group_members", group.pk))
    for member in members:
        page.get_by_label(member.full_name).check()
    press(page, cy("Add members"))
    looked_at(page, seen)

    run_tasks()
    assert len(mail.outbox) == len(members)
    for message in mail.outbox:  # each member is told in their own language, with Welsh links
        assert "Cabinet" in message.subject and "/cy/" in message.body

    answers = {"persist": "not-yet", "monitor-progress": "partly", "devote-resources": "partly"}
    for member in members:
        submit(member, checklist, answers, group=group)
    page.goto(welsh_url("assessments:group_edit", group.pk))
    page.get_by_label(cy("Discussing")).check()
    press(page, cy("Save changes"))

    page.goto(welsh_url("assessments:group_report", group.pk))
    looked_at(page, seen)
    item = page.locator(".app-agenda-item").first
    code = item.get_attribute("id").removeprefix("agenda-")
    partly = AnswerOption.objects.get(checklist=checklist, code="partly")
    item.get_by_label(partly.label_cy).check()
    item.get_by_text(cy("Agreed action: what, who leads, by when, where reported")).click()
    item.get_by_label(cy("Agreed action (optional)")).fill("Papur i’r cabinet ym mis Mawrth")
    with page.expect_navigation():
        item.get_by_role(
            "button", name=re.compile("^" + re.escape(cy("Save agreed answer")))
        ).click()
    assert GroupAgreement.objects.get(group=group, question__code=code).action_what.startswith(
        "Papur"
    )
    looked_at(page, seen)

    page.goto(welsh_url("assessments:group_projector", group.pk))
    assert page.evaluate("document.documentElement.lang") == "cy"

    # The same group's pack, printed by this officer in Welsh and by another in English.
    welsh_pack = page.request.get(welsh_url("assessments:group_meeting_pack", group.pk))
    english_pack = page.request.get(reverse("assessments:group_meeting_pack", args=[group.pk]))
    for response, lang in ((welsh_pack, "cy"), (english_pack, "en-GB")):
        assert response.status == 200
        reader = PdfReader(io.BytesIO(response.body()))
        assert reader.trailer["/Root"]["/Lang"] == lang
    welsh_text = " ".join(
        (p.extract_text() or "") for p in PdfReader(io.BytesIO(welsh_pack.body())).pages
    )
    assert re.search(r"Tudalen 1 o \d", " ".join(welsh_text.split()))
    context.close()
    assert in_welsh(reverse("assessments:group_report", args=[group.pk])).startswith("/cy/")
    assert not seen, "\n".join(seen)
