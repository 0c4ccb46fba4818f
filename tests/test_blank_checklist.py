"""The blank checklist to print: a public page and its PDF, the published version's questions."""

import html
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from assessments import pdf
from assessments.models import AnswerOption, Area, Question
from tests.builders import new_checklist_version
from tests.test_content import BRITISH_SPELLING, parse_leaflet
from tests.test_pdf_tags import assert_tagged, document_facts, text_sizes

PAGE = "assessments:blank_checklist"
PDF = "assessments:blank_checklist_pdf"


def leaflet_questions() -> list[str]:
    """The leaflet's twenty "Do you ...?" questions in order, as the fixture spells them."""
    questions = []
    for area in parse_leaflet():
        for item in area.questions:
            for american, british in BRITISH_SPELLING.items():
                item = item.replace(american, british)
            questions.append(f"Do you {item}")
    return questions


def words(markup: str) -> str:
    """Markup's words: tags stripped, entities read, whitespace collapsed."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def page_html(client) -> str:
    response = client.get(reverse(PAGE))
    assert response.status_code == 200
    return response.content.decode()


def questions_html(markup: str) -> list[str]:
    """The markup of each question on the page, in order."""
    return re.findall(
        r'<li class="app-checklist-question">(.*?)</li>\s*(?=<li class="app-checklist-question">|</ol>)',
        markup,
        flags=re.S,
    )


def pdf_pages(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """Every WeasyPrint render: the HTML of each call to `pdf.html_to_pdf`."""
    calls: list[str] = []
    real = pdf.html_to_pdf

    def counting(markup: str, **options) -> bytes:
        calls.append(markup)
        return real(markup, **options)

    monkeypatch.setattr(pdf, "html_to_pdf", counting)
    return calls


# --- The page --------------------------------------------------------------------------------


def test_the_page_is_public_with_the_four_areas_in_order(client, checklist):
    text = words(page_html(client))

    titles = list(Area.objects.filter(checklist=checklist).values_list("title", flat=True))
    assert len(titles) == 4
    positions = [text.index(title) for title in titles]
    assert positions == sorted(positions)


def test_the_page_asks_the_leaflets_twenty_questions_word_for_word_numbered_1_to_20(
    client, checklist
):
    questions = [words(q) for q in questions_html(page_html(client))]

    assert len(questions) == 20
    for number, (question, expected) in enumerate(
        zip(questions, leaflet_questions(), strict=True), start=1
    ):
        assert question.startswith(f"{number}. {expected} ")


def test_every_question_has_four_drawn_tick_boxes_in_the_scales_order_and_space_for_notes(
    client, checklist
):
    markup = page_html(client)

    assert "<input" not in markup  # nothing that looks like a form control nobody can use
    for question in questions_html(markup):
        boxes = re.findall(
            r'<span class="app-tick-boxes__box"([^>]*)></span>([^<]*)</li>', question
        )
        assert [label for _, label in boxes] == ["Yes", "Partly", "Not yet", "Not sure"]
        assert all('aria-hidden="true"' in attributes for attributes, _ in boxes)
        assert 'class="govuk-body-s app-checklist-notes">Notes<' in question


def test_the_tick_boxes_are_the_versions_answer_scale(client, checklist):
    AnswerOption.objects.filter(checklist=checklist, code="not-sure").update(label="Do not know")

    question = words(questions_html(page_html(client))[0])

    assert question.endswith("Yes Partly Not yet Do not know Notes")


def test_the_page_says_how_to_use_it_and_defines_innovation(client, checklist):
    text = words(page_html(client))

    assert (
        "For each of the 20 key actions, tick one box: “Yes”, “Partly”, “Not yet” or “Not sure”."
        in text
    )
    assert "Innovation in local government" in text
    assert "Innovations are changes to services, or products, or ways of working" in text


def test_the_page_is_the_published_versions_not_a_drafts(client, checklist):
    new_checklist_version(checklist, reword={"persist": "Do you keep going?"})

    text = words(page_html(client))

    assert "Do you persist, persist, persist?" in text
    assert "Do you keep going?" not in text


def test_the_page_and_the_pdf_are_not_found_when_no_version_is_published(client, no_checklist):
    assert client.get(reverse(PAGE)).status_code == 404
    assert client.get(reverse(PDF)).status_code == 404


def test_the_page_links_to_the_pdf_and_the_start_page_links_to_the_page(client, checklist):
    assert f'href="{reverse(PDF)}"' in page_html(client)
    start = client.get(reverse("assessments:start")).content.decode()
    assert f'href="{reverse(PAGE)}"' in start
    assert "Print a blank checklist" in start


def test_the_page_has_its_own_title(client, checklist):
    assert "<title>Blank checklist to print – Key Actions for Innovation</title>" in page_html(
        client
    )


def test_a_signed_in_councillor_sees_the_page_too(client, checklist, councillor):
    client.force_login(councillor)

    assert len(questions_html(page_html(client))) == 20


def test_the_page_runs_a_fixed_number_of_queries(client, checklist, django_assert_num_queries):
    # The version, its questions with their areas, and its answer scale.
    with django_assert_num_queries(3):
        client.get(reverse(PAGE))


# --- The PDF ---------------------------------------------------------------------------------


def test_the_pdf_is_a_public_download_with_a_sensible_file_name(client, checklist):
    response = client.get(reverse(PDF))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="key-actions-for-innovation-checklist-version-1.pdf"'
    )
    assert response.content.startswith(b"%PDF-")


def test_head_works_for_the_page_and_the_pdf(client, checklist):
    page = client.head(reverse(PAGE))
    download = client.head(reverse(PDF))

    assert page.status_code == 200 and page.content == b""
    assert download.status_code == 200 and download.content == b""
    assert download["Content-Type"] == "application/pdf"
    assert "key-actions-for-innovation-checklist-version-1.pdf" in download["Content-Disposition"]


def test_the_pdf_asks_the_twenty_questions_word_for_word_each_with_the_four_answers(
    client, checklist
):
    text = " ".join(pdf_pages(client.get(reverse(PDF)).content))

    for number, question in enumerate(leaflet_questions(), start=1):
        assert f"{number}. {question} Yes Partly Not yet Not sure Notes" in text


def test_the_pdf_fits_on_four_a4_pages_numbered(client, checklist):
    content = client.get(reverse(PDF)).content
    reader = PdfReader(io.BytesIO(content))
    pages = pdf_pages(content)

    assert 1 <= len(pages) <= 4
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (
            595,
            842,
        )
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert "Council Leaders' Key Actions for Innovation, published 29 November 2026" in pages[0]


def test_the_pdf_is_tagged_with_its_title_language_headings_and_lists(client, checklist):
    content = client.get(reverse(PDF)).content

    tags = assert_tagged(content, title="Blank checklist")
    assert document_facts(content)["title"] == "Blank checklist – Key Actions for Innovation"

    assert tags["H1"] == 1
    assert tags["H2"] == 6  # how to use it, the definition, and the four areas
    assert tags["L"] >= 20 and tags["LI"] >= 100  # the questions and their four answers


def test_the_pdf_prints_at_11pt_and_nothing_below_10pt(client, checklist):
    sizes = text_sizes(client.get(reverse(PDF)).content)

    assert sizes.most_common(1)[0][0] == 11
    assert min(sizes) >= 10


def test_no_area_starts_at_the_foot_of_a_page(client, checklist):
    # Its heading is on the page of its first question (the stylesheet keeps headings with what
    # follows, as WeasyPrint's own default does; each question is kept whole).
    pages = pdf_pages(client.get(reverse(PDF)).content)

    for area in Area.objects.filter(checklist=checklist).prefetch_related("questions"):
        first = area.questions.all()[0].text
        page = next(page for page in pages if area.title in page)
        assert first in page, area.title


def test_the_pdf_is_rendered_once_per_version_then_served_from_the_cache(
    client, checklist, renders, django_assert_num_queries
):
    # The version, its questions with their areas, and its answer scale, rendered or not.
    with django_assert_num_queries(3):
        first = client.get(reverse(PDF)).content
    with django_assert_num_queries(3):
        again = client.get(reverse(PDF)).content

    assert len(renders) == 1
    assert again == first


def test_a_published_version_edited_before_anyone_answered_gets_a_new_pdf(
    client, checklist, renders
):
    client.get(reverse(PDF))
    Question.objects.filter(checklist=checklist, code="persist").update(text="Do you keep going?")

    text = " ".join(pdf_pages(client.get(reverse(PDF)).content))

    assert len(renders) == 2
    assert "Do you keep going?" in text


def test_the_page_and_the_pdf_only_answer_get_and_head(client, checklist):
    assert client.post(reverse(PAGE)).status_code == 405
    assert client.post(reverse(PDF)).status_code == 405
