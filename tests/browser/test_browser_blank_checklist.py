"""The blank checklist page in a real browser: accessible on screen, and clean on paper."""

import io
import os

from django.urls import reverse
from pypdf import PdfReader

from tests.browser.helpers import axe_check, horizontal_overflow

# Set to a folder to keep screenshots of the page and the browser's print of it, to look at.
SCREENSHOTS = os.environ.get("SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, name), full_page=True)


def test_the_blank_checklist_page_passes_axe_at_1280_and_320_px(page, narrow_page, checklist):
    page.goto(reverse("assessments:blank_checklist"))
    _shot(page, "blank-checklist-1280.png")
    axe_check(page)

    narrow_page.goto(reverse("assessments:blank_checklist"))
    _shot(narrow_page, "blank-checklist-320.png")
    axe_check(narrow_page)
    assert horizontal_overflow(narrow_page) == 0


def test_printing_the_page_gives_a4_pages_of_the_checklist_alone(page, checklist):
    page.goto(reverse("assessments:blank_checklist"))
    page.emulate_media(media="print")
    _shot(page, "blank-checklist-print.png")

    for hidden in (
        page.locator("header.govuk-template__header"),
        page.locator("footer.govuk-footer"),
        page.get_by_role(
            "link", name="Download the blank checklist (PDF, A4)", include_hidden=True
        ),
    ):
        assert hidden.count() == 1 and not hidden.is_visible()
    assert page.get_by_text("Name", exact=True).is_visible()  # the lines to write on

    # Chromium's own print, as "Print" in the browser makes it, read back.
    content = page.pdf(prefer_css_page_size=True)
    if SCREENSHOTS:
        with open(os.path.join(SCREENSHOTS, "blank-checklist-print.pdf"), "wb") as file:
            file.write(content)
    printed = PdfReader(io.BytesIO(content))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in printed.pages)
    first = printed.pages[0].mediabox
    assert (round(float(first.width)), round(float(first.height))) == (595, 842)
    assert len(printed.pages) <= 4
    assert "20. Do you persist, persist, persist? Yes Partly Not yet Not sure Notes" in text
    assert "(/" not in text and "http" not in text  # no link addresses printed
    assert "Sign in" not in text  # no header
