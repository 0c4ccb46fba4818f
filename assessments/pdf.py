"""
PDFs with WeasyPrint: an HTML string, handed to WeasyPrint with the print stylesheet and a
fetcher that serves only `data:` URLs and the project's own static files. Nothing here reads the
database; which documents exist, their templates and their caching are `assessments.exports`'s.

WeasyPrint's default fetcher follows any URL a document names, `file:///etc/passwd` included, and
`<link rel="attachment">` would embed what it fetched in the PDF. Everything a report shows is
escaped by the templates; the fetcher is the second lock on the door.

Every PDF is tagged PDF/UA-1 (`PDF_VARIANT`): a structure tree that screen readers and reflow
read (headings, paragraphs, lists, tables with their header cells), the document's title (from
`<title>`, shown instead of the file name) and its language (from `<html lang>`). Backgrounds and
borders are drawn as artifacts. The page margins (the footer and "Page N of M") are left out of
the structure tree, so assistive technology does not read them on every page; WeasyPrint 70
marks their text as untagged spans rather than as artifacts, which only PDF 2.0 would allow in
the tree.

A PDF is in the active language (the reader's: the page's or, for a warming task, the
person's): its `<html lang>` is the template's, and "Page N of M" is set in that language by a
small stylesheet after the print stylesheet (`page_numbers_stylesheet`).
"""

import contextlib
import functools
import gc
import mimetypes
import re
import ssl
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils._os import safe_join
from django.utils.translation import gettext
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# The base URL of every PDF document. `.invalid` never resolves (RFC 2606); it only gives
# relative `{% static %}` paths something to resolve against, so that the fetcher can recognise
# them. Nothing is ever requested from it.
BASE_URL = "https://pdf.invalid/"
PRINT_STYLESHEET = "print/report-print.css"
# PDF/UA-1 (on PDF 1.7) rather than PDF/UA-2 (on PDF 2.0): the checkers and screen readers in use
# in councils read UA-1.
PDF_VARIANT = "pdf/ua-1"


# Block-level tags of our templates. Whitespace between two of them is only indentation, which
# WeasyPrint would otherwise keep as text boxes, only to throw them away during layout.
_BLOCK_TAGS = (
    "html|head|body|main|header|footer|section|div|p|ul|ol|li|dl|dt|dd|h[1-6]|blockquote"
    "|table|caption|thead|tbody|tfoot|tr|th|td|meta|title"
)
_WHITESPACE_BETWEEN_BLOCK_TAGS = re.compile(
    rf"(</?(?:{_BLOCK_TAGS})\b[^>]*>)\s+(?=</?(?:{_BLOCK_TAGS})\b)", re.IGNORECASE
)


class RefusedURL(ValueError):
    """A URL the PDF fetcher will not fetch."""


class StaticOnlyURLFetcher(URLFetcher):
    """Serves `data:` URLs and the project's own static files; refuses everything else."""

    def __init__(self):
        # No redirects, and only `data:` left to urllib: the static files are read below.
        super().__init__(
            allowed_protocols=("data",),
            allow_redirects=False,
            timeout=1,
            ssl_context=_unused_ssl_context(),
        )

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = static_file_path(url)
        if path is None:
            raise RefusedURL(f"The PDF may not fetch {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )


@functools.cache
def _unused_ssl_context() -> ssl.SSLContext:
    """URLFetcher always installs an HTTPS handler, which by default loads the system's CA
    certificates: about 15 ms per PDF. HTTPS is refused anyway, so give it a bare context, once."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def static_file_path(url: str) -> Path | None:
    """The file behind one of our static URLs (resolved against BASE_URL), or None."""
    static_prefix = BASE_URL.rstrip("/") + "/" + settings.STATIC_URL.lstrip("/")
    if not url.startswith(static_prefix):
        return None
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return None
    name = unquote(url.removeprefix(static_prefix))
    if not name or "\\" in name or "\x00" in name or ".." in name.split("/"):
        return None
    found = finders.find(name)
    if found:
        return Path(found)
    if settings.STATIC_ROOT:
        try:
            path = Path(safe_join(settings.STATIC_ROOT, name))
        except ValueError:  # outside STATIC_ROOT
            return None
        if path.is_file():
            return path
    return None


@functools.cache
def font_config() -> FontConfiguration:
    """One font configuration per process. WeasyPrint makes a new one (a new fontconfig and
    Pango font map) for every document otherwise, which is slower and whose memory is not given
    back. Sharing it is safe because our stylesheet has no @font-face."""
    return FontConfiguration()


@functools.cache
def print_stylesheet(name: str = PRINT_STYLESHEET) -> weasyprint.CSS:
    """A print stylesheet (a path under the static files), parsed once per process."""
    path = finders.find(name) or Path(settings.STATIC_ROOT) / name
    folder = name.rpartition("/")[0]
    return weasyprint.CSS(
        string=Path(path).read_text(encoding="utf-8"),
        base_url=BASE_URL + settings.STATIC_URL.lstrip("/") + (folder + "/" if folder else ""),
        url_fetcher=StaticOnlyURLFetcher(),
        font_config=font_config(),
    )


def page_numbers_stylesheet() -> weasyprint.CSS:
    """The footer's "Page N of M" in the active language, over the print stylesheet's."""
    # Translators: the footer of every page of a PDF; keep both placeholders.
    words = gettext("Page %(page)s of %(pages)s")
    return _page_numbers_stylesheet(words)


@functools.cache
def _page_numbers_stylesheet(words: str) -> weasyprint.CSS:
    text = words.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("%(page)s", '" counter(page) "').replace("%(pages)s", '" counter(pages) "')
    return weasyprint.CSS(
        string=f'@page {{ @bottom-right {{ content: "{text}"; }} }}',
        url_fetcher=StaticOnlyURLFetcher(),
        font_config=font_config(),
    )


@contextlib.contextmanager
def _garbage_collection_paused():
    """
    WeasyPrint allocates a few hundred thousand short-lived objects per report: enough to set
    off about fifty young-generation collections and, every other report, a full collection
    that walks every object of the Django process, which together cost about a tenth of the
    render. Everything it allocates is garbage once the PDF is written, so collect once,
    afterwards, in the ordinary course of things. (Memory stays flat over hundreds of renders:
    `benchmarks/report.py` checks.)
    """
    if not gc.isenabled():  # someone else is managing it
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def strip_whitespace_between_blocks(html: str) -> str:
    """
    The HTML without the whitespace between two block-level tags (`</p>\\n  <p>`). Whitespace
    next to an inline tag or text is kept: it is the space between words. Print CSS that lays
    out block tags side by side uses inline-block, which wraps without spaces between.
    """
    return _WHITESPACE_BETWEEN_BLOCK_TAGS.sub(r"\1", html)


def html_to_pdf(
    html: str, *, stylesheet: str = PRINT_STYLESHEET, url_fetcher: URLFetcher | None = None
) -> bytes:
    """Render HTML to a tagged PDF with a print stylesheet (the reports' unless told) and the
    static-only fetcher."""
    html = strip_whitespace_between_blocks(html)
    with _garbage_collection_paused():
        document = weasyprint.HTML(
            string=html, base_url=BASE_URL, url_fetcher=url_fetcher or StaticOnlyURLFetcher()
        )
        return document.write_pdf(
            stylesheets=[print_stylesheet(stylesheet), page_numbers_stylesheet()],
            font_config=font_config(),
            pdf_variant=PDF_VARIANT,
        )
