"""
Every PDF the service makes is accessible: tagged (PDF/UA-1), with a structure tree, a title and
a language, and, for the group report read round a table or on a projector, type large enough.
"""

import io
from collections import Counter

from django.urls import reverse
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from tests.group_helpers import build_group


def structure_tags(content: bytes) -> Counter[str]:
    """How many structure elements of each type (`H1`, `LI`, `TH` ...) the PDF's tree holds,
    counting only those reachable from its root: what assistive technology reads."""
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    tags: Counter[str] = Counter()
    pending = [root["/StructTreeRoot"].get_object()]
    while pending:
        node = pending.pop()
        if isinstance(node, DictionaryObject):
            if node.get("/Type") == "/StructElem":
                tags[str(node["/S"]).removeprefix("/")] += 1
            kids = node.get("/K")
            if kids is not None:
                kids = kids.get_object()
                pending.extend(
                    kid.get_object() for kid in (kids if isinstance(kids, ArrayObject) else [kids])
                )
    return tags


def document_facts(content: bytes) -> dict:
    """What a PDF reader shows about a document: its title, its language, whether it is tagged
    (what `pdfinfo` reports as "Tagged: yes") and whether it shows the title, not the file name."""
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    return {
        "title": reader.metadata.title if reader.metadata else None,
        "lang": str(root.get("/Lang", "")),
        "tagged": bool(root.get("/MarkInfo", {}).get("/Marked")),
        "shows_title": bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle")),
        "version": reader.pdf_header,
    }


def text_sizes(content: bytes) -> Counter[float]:
    """How many characters the PDF prints at each font size (in points), leaving out the page
    footer: what is printed in the bottom 16 mm of a page."""
    reader = PdfReader(io.BytesIO(content))
    sizes: Counter[float] = Counter()
    for page in reader.pages:
        footer_top = float(page.mediabox.height) - 16 / 25.4 * 72

        def visit(text, cm, tm, font, font_size, footer_top=footer_top):
            # WeasyPrint draws from the top left: y grows downwards, in CSS pixels under `cm`.
            if text.strip() and tm[5] * abs(cm[3]) < footer_top:
                sizes[round(font_size * abs(tm[3]) * abs(cm[3]), 1)] += len(text.strip())

        page.extract_text(visitor_text=visit)
    return sizes


def assert_tagged(content: bytes, *, title: str) -> Counter[str]:
    """Checks the PDF is tagged PDF/UA-1 with the page's title (`title`, then the service's
    name, as `<title>` has it) and British English; returns its structure tags."""
    facts = document_facts(content)
    assert facts["tagged"]
    assert facts["shows_title"]
    assert facts["title"].startswith(title)
    assert facts["title"].endswith(" – Key Actions for Innovation")
    assert facts["lang"] == "en-GB"
    assert facts["version"] == "%PDF-1.7"  # PDF/UA-1
    return structure_tags(content)


def test_the_report_pdf_is_tagged_with_its_title_language_headings_lists_and_tables(
    client, councillor, submitted
):
    client.force_login(councillor)

    content = client.get(reverse("assessments:report_pdf", args=[submitted.pk])).content
    tags = assert_tagged(content, title="Innovation gap report")
    assert "Alex Morgan" in document_facts(content)["title"]

    assert tags["H1"] == 1
    assert tags["H2"] >= 3
    assert tags["L"] >= 1 and tags["LI"] >= 1
    assert tags["Table"] >= 1 and tags["TR"] >= 1 and tags["TH"] >= 1


def test_the_group_report_pdf_is_tagged_too(client, checklist, council, officer):
    setup = build_group(council, checklist, facilitator=officer)
    client.force_login(officer)

    content = client.get(reverse("assessments:group_report_pdf", args=[setup.group.pk])).content
    tags = assert_tagged(content, title="Group report: Cabinet")

    assert tags["H1"] == 1
    assert tags["H2"] >= 1
    assert tags["Table"] >= 1 and tags["TH"] >= 1


def test_the_group_report_pdf_prints_body_text_at_11pt_and_nothing_below_10pt(
    client, checklist, council, officer
):
    setup = build_group(council, checklist, facilitator=officer)
    client.force_login(officer)

    content = client.get(reverse("assessments:group_report_pdf", args=[setup.group.pk])).content
    sizes = text_sizes(content)

    body_size = sizes.most_common(1)[0][0]
    assert body_size >= 11
    assert min(sizes) >= 10, sizes
