"""The PDF of the gap report: what it says, what it refuses to fetch, and when it is rendered."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments import exports, pdf
from assessments.models import Question, StepReview
from tests.builders import (
    MIXED_ANSWERS,
    MIXED_GAPS_IN_ORDER,
    add_note,
    add_step,
    submit,
)
from tests.test_report import add_hostile_notes, add_questions


def pdf_url(assessment):
    return reverse("assessments:report_pdf", args=[assessment.pk])


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


class SpyFetcher(pdf.StaticOnlyURLFetcher):
    """The PDF fetcher, noting every URL WeasyPrint asks it for."""

    def __init__(self):
        super().__init__()
        self.asked = []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        return super().fetch(url, headers)


# --- The download ------------------------------------------------------------------------------


def test_the_owner_downloads_the_pdf(client, councillor, submitted):
    client.force_login(councillor)

    response = client.get(pdf_url(submitted))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    date = submitted.submitted_at.astimezone(datetime.UTC).date()
    assert response["Content-Disposition"] == (
        f'attachment; filename="innovation-gap-report-alex-morgan-{date:%Y-%m-%d}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")


def test_the_report_page_links_to_the_pdf(client, councillor, submitted):
    client.force_login(councillor)

    html = client.get(reverse("assessments:report", args=[submitted.pk])).content.decode()

    assert f'href="{pdf_url(submitted)}"' in html
    assert "Download PDF" in html


def test_the_pdf_names_the_person_the_council_the_plan_first_and_every_gap_in_order(
    client, councillor, submitted
):
    add_step(
        submitted,
        "monitor-progress",
        what="Quarterly dashboard to cabinet",
        lead="Chief executive",
        due_date=datetime.date(2031, 6, 30),
        reported_to="Overview and scrutiny committee",
        is_focus=True,
    )
    client.force_login(councillor)

    response = client.get(pdf_url(submitted))
    reader = PdfReader(io.BytesIO(response.content))
    text = pdf_text(response.content)

    assert "Alex Morgan" in text
    assert "Northshire County Council" in text
    summaries = dict(
        Question.objects.filter(code__in=MIXED_GAPS_IN_ORDER).values_list("code", "summary")
    )
    # The focus action first, then the other gaps in rank order.
    others = [code for code in MIXED_GAPS_IN_ORDER if code != "monitor-progress"]
    positions = [text.index(summaries[code]) for code in ["monitor-progress", *others]]
    assert positions == sorted(positions)
    assert "Quarterly dashboard to cabinet" in text
    assert "Chief executive" in text
    assert "30 June 2031" in text
    assert "Overview and scrutiny committee" in text
    pages = len(reader.pages)
    assert 1 <= pages <= 3
    assert f"Page 1 of {pages}" in text
    assert f"Page {pages} of {pages}" in text
    assert "Council Leaders' Key Actions for Innovation, published 29 November 2026" in text
    assert "Your action plan" in reader.pages[0].extract_text()
    assert "Add next step" not in text  # links are for the page, not for paper


def test_the_pdf_shows_progress_too(client, checklist, councillor):
    submit(
        councillor,
        checklist,
        {**MIXED_ANSWERS, "persist": "not-yet"},
        submitted_at=datetime.datetime(2025, 3, 3, 12, tzinfo=datetime.UTC),
    )
    later = submit(councillor, checklist, MIXED_ANSWERS)
    client.force_login(councillor)

    text = pdf_text(client.get(pdf_url(later)).content)

    assert "Since your last assessment" in text
    assert "3 March 2025" in text
    assert "Persist, persist, persist: Not yet to Yes" in text


# --- What it refuses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:9/x",
        "https://example.org/logo.png",
        "ftp://example.org/x",
        # Our own static prefix, but climbing out of it or naming no static file.
        "https://pdf.invalid/static/../../../../etc/passwd",
        "https://pdf.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://pdf.invalid/static/print/report-print.css?x=http://127.0.0.1:9/",
        "https://pdf.invalid/static/no-such-file.css",
        "https://pdf.invalid/etc/passwd",
    ],
)
def test_the_fetcher_refuses_anything_but_our_static_files_and_data(url):
    with pytest.raises(ValueError):
        pdf.StaticOnlyURLFetcher().fetch(url)


def test_the_fetcher_serves_data_urls_and_our_static_files():
    fetcher = pdf.StaticOnlyURLFetcher()

    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    static = fetcher.fetch(f"{pdf.BASE_URL}static/print/report-print.css")

    assert data.read() == b"hello"
    assert b"@page" in static.read()
    assert static.content_type == "text/css"


def test_the_fetcher_does_not_follow_redirects():
    assert not any(
        type(handler).__name__ == "HTTPRedirectHandler"
        for handler in pdf.StaticOnlyURLFetcher().handlers
    )


def test_hostile_notes_render_as_text_and_fetch_nothing(client, councillor, submitted, monkeypatch):
    add_hostile_notes(submitted)
    add_step(submitted, "monitor-progress", what='<img src="file:///etc/passwd">', lead="x")
    spies = []

    def spy_fetcher():
        spies.append(SpyFetcher())
        return spies[-1]

    monkeypatch.setattr(pdf, "StaticOnlyURLFetcher", spy_fetcher)
    client.force_login(councillor)

    response = client.get(pdf_url(submitted))

    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.attachments == {}
    assert b"/EmbeddedFile" not in response.content
    assert spies and all(spy.asked == [] for spy in spies)
    text = pdf_text(response.content)
    assert '<img src="file:///etc/passwd">' in text
    assert "@import url(http://127.0.0.1:9/x)" in text.replace("http:// ", "http://")
    assert "after the line breaks" in text
    assert "root:x:0:0" not in text
    assert len(reader.pages) <= 5


def test_even_unescaped_html_cannot_fetch_or_attach_files():
    """Were a template ever to let markup through, the fetcher still refuses it."""
    spy = SpyFetcher()
    html = (
        "<p>Hello</p>"
        '<img src="file:///etc/passwd">'
        '<link rel="attachment" href="file:///etc/passwd">'
        "<style>@import url(http://127.0.0.1:9/x);</style>"
        '<img src="https://example.org/x.png">'
    )

    content = pdf.html_to_pdf(html, url_fetcher=spy)

    assert set(spy.asked) >= {"file:///etc/passwd", "http://127.0.0.1:9/x"}
    assert PdfReader(io.BytesIO(content)).attachments == {}
    assert b"/EmbeddedFile" not in content
    assert b"root:" not in content


# --- Rendering once per change -----------------------------------------------------------------


def test_an_unchanged_report_is_not_rendered_again(client, councillor, submitted, monkeypatch):
    renders = []
    real_render = exports.render_report_pdf
    monkeypatch.setattr(
        exports,
        "render_report_pdf",
        lambda report, **kw: renders.append(1) or real_render(report, **kw),
    )
    client.force_login(councillor)

    first = client.get(pdf_url(submitted)).content
    second = client.get(pdf_url(submitted)).content

    assert len(renders) == 1
    assert first == second


def test_the_pdf_is_rendered_again_after_a_next_step_changes(
    client, councillor, submitted, monkeypatch
):
    renders = []
    real_render = exports.render_report_pdf
    monkeypatch.setattr(
        exports,
        "render_report_pdf",
        lambda report, **kw: renders.append(1) or real_render(report, **kw),
    )
    client.force_login(councillor)
    client.get(pdf_url(submitted))

    step_url = reverse("assessments:action_step", args=[submitted.pk, "space-to-test"])
    client.post(step_url, {"what": "Set up a test-and-learn fund"})
    text = pdf_text(client.get(pdf_url(submitted)).content)

    assert len(renders) == 2
    assert "Set up a test-and-learn fund" in text

    # A change is made from the page showing the step saved now (it carries its version).
    seen = client.get(step_url).context["form"]["seen"].value()
    client.post(step_url, {"what": "Set up a test-and-learn fund by spring", "seen": seen})
    text = pdf_text(client.get(pdf_url(submitted)).content)
    assert len(renders) == 3
    assert "by spring" in text


# --- Queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("extra_questions", [0, 15])
def test_the_pdf_runs_a_fixed_number_of_queries(
    client, checklist, councillor, django_assert_num_queries, extra_questions
):
    add_questions(checklist, extra_questions)
    assessment = submit(councillor, checklist, default="not-yet")
    for code in ("persist", "space-to-test", "monitor-progress"):
        add_step(assessment, code, what=f"Next step on {code}")
    client.force_login(councillor)
    client.get(reverse("assessments:start"))  # settle the session

    # Session, user, assessment, last change; then answers, areas, quotes, options, previous.
    with django_assert_num_queries(9):
        assert client.get(pdf_url(assessment)).status_code == 200
    # Served from the cache: no report queries at all.
    with django_assert_num_queries(4):
        assert client.get(pdf_url(assessment)).status_code == 200


# A note of a few sentences: 200 characters.
NOTE_200 = (
    "We discussed this at cabinet in the spring and agreed it matters, but nothing is written "
    "down yet and no officer owns it. Budget pressures make it hard; a short paper to cabinet "
    "could start it off this year."
)[:200]


def a_full_plan(councillor, checklist, *, note: str, returning: bool = False):
    """20 gaps, each with `note`, and 5 focus actions with every part of a next step. With
    `returning`, an assessment of a year ago too, whose five steps were reviewed in this one."""
    reviewed = []
    if returning:
        earlier = submit(
            councillor,
            checklist,
            default="not-yet",
            submitted_at=timezone.now() - datetime.timedelta(days=365),
        )
        for code, outcome in zip(MIXED_GAPS_IN_ORDER[:5], StepReview.Outcome, strict=False):
            reviewed.append(
                (
                    add_step(earlier, code, what="Ask for a paper to cabinet.", is_focus=True),
                    outcome,
                )
            )
    assessment = submit(councillor, checklist, default="not-yet")
    for step, outcome in reviewed:
        StepReview.objects.create(assessment=assessment, step=step, outcome=outcome)
    codes = list(Question.objects.filter(area__checklist=checklist).values_list("code", flat=True))
    for code in codes:
        add_note(assessment, code, note)
    for code in MIXED_GAPS_IN_ORDER[:5]:
        add_step(
            assessment,
            code,
            what="Bring a short paper to cabinet setting out what we will change, who will do it "
            "and how we will know it has worked, with the chief executive's support.",
            lead="Cabinet member for transformation",
            due_date=datetime.date(2031, 3, 31),
            reported_to="Overview and scrutiny committee",
            is_focus=True,
        )
    return assessment


def pdf_pages(client, assessment) -> list[str]:
    reader = PdfReader(io.BytesIO(client.get(pdf_url(assessment)).content))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def test_a_full_plan_with_short_notes_prints_on_three_pages_at_most_with_the_plan_on_page_one(
    client, checklist, councillor
):
    assessment = a_full_plan(councillor, checklist, note=NOTE_200)
    client.force_login(councillor)

    pages = pdf_pages(client, assessment)

    assert 1 <= len(pages) <= 3
    assert "Your action plan" in pages[0]
    # The first focus action, whole, on page one.
    first = Question.objects.get(area__checklist=checklist, code=MIXED_GAPS_IN_ORDER[0])
    assert first.summary in pages[0]
    assert "Who leads: Cabinet member for transformation" in pages[0]
    text = " ".join(pages)
    for question in Question.objects.filter(area__checklist=checklist):
        assert question.summary in text


def test_a_returning_councillors_full_plan_keeps_the_plan_on_page_one_within_four_pages(
    client, checklist, councillor
):
    """With an earlier assessment and five reviewed steps, the progress on the last plan adds
    to the page budget: four pages at most, the plan still first."""
    assessment = a_full_plan(councillor, checklist, note=NOTE_200, returning=True)
    client.force_login(councillor)

    pages = pdf_pages(client, assessment)

    assert len(pages) <= 4
    assert "Your action plan" in pages[0]
    text = " ".join(pages)
    assert "Progress on your last plan" in text
    for outcome in StepReview.Outcome:
        assert str(outcome.label) in text


def test_long_notes_flow_onto_more_pages_and_lose_no_text(client, checklist, councillor):
    # Words found nowhere else in a report, each counted.
    long_note = ("Zebra quokka wombat okapi, every word printed. " * 50)[:1997].strip() + "END"
    assessment = a_full_plan(councillor, checklist, note=long_note)
    client.force_login(councillor)

    pages = pdf_pages(client, assessment)
    # The pages' words without their footers: a note flowing onto the next page is one text.
    text = " ".join(
        re.sub(r"Key Actions for Innovation · .*?Page \d+ of \d+", "", page) for page in pages
    )

    assert "Your action plan" in pages[0]
    # Every note, whole: each ends with its own marker, as many times as there are notes.
    assert text.count("END") == 20
    # Word by word (where a note crosses a page, the next list numbers are read out between
    # two of its words, so a phrase may be split but no word is).
    for word in ("Zebra", "quokka", "wombat", "okapi", "printed"):
        assert len(re.findall(rf"\b{word}\b", text)) == 20 * len(
            re.findall(rf"\b{word}\b", long_note)
        )


def text_sizes(content: bytes) -> list[tuple[str, float]]:
    """Each run of text in the PDF with the size it is drawn at, in points."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((text.strip(), round(abs(size * tm[3] * cm[3]), 1)))

    for page in PdfReader(io.BytesIO(content)).pages:
        page.extract_text(visitor_text=visit)
    return runs


def test_the_pdf_is_readable_on_paper_11_pt_body_and_10_pt_notes_and_quotes(
    client, checklist, councillor
):
    assessment = a_full_plan(councillor, checklist, note=NOTE_200)
    client.force_login(councillor)

    runs = text_sizes(client.get(pdf_url(assessment)).content)

    def sizes_of(start: str) -> set[float]:
        found = {size for text, size in runs if text.startswith(start)}
        assert found, start
        return found

    # Body text: the plan's words, its labels, the page's own sentences.
    for body in ("Bring a short paper", "Who leads:", "What good looks like:", "The 5 focus"):
        assert min(sizes_of(body)) >= 11, body
    # Notes and quotes, and everything else on the page but its footer.
    assert min(sizes_of(NOTE_200[:20])) >= 10
    assert min(sizes_of("“You need to involve")) >= 10
    footer = (
        "Key Actions for Innovation ·",
        "Page ",
        "Leaders' Key Actions",
        "for Innovation, pub",
    )
    body_runs = [(text, size) for text, size in runs if not text.startswith(footer)]
    assert min(size for _, size in body_runs) >= 10, min(body_runs, key=lambda run: run[1])


def test_a_focus_action_is_never_split_across_pages(client, checklist, councillor):
    """A focus action starts and ends on the same page, however long the notes around it."""
    assessment = a_full_plan(councillor, checklist, note="A long note. " * 120)
    client.force_login(councillor)

    pages = pdf_pages(client, assessment)

    for code in MIXED_GAPS_IN_ORDER[:5]:
        summary = Question.objects.get(area__checklist=checklist, code=code).summary
        holding = [page for page in pages if summary in page]
        assert holding, summary
        after = holding[0][holding[0].index(summary) :]
        assert "Progress reported to: Overview and scrutiny committee" in after, summary
