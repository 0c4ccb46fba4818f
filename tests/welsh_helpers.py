"""
The Welsh service in tests: the committed catalogue (locale/cy/LC_MESSAGES/django.po, compiled
by scripts/setup) and the one way a test asks for a page in Welsh.
"""

import contextlib
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import get_language_from_path

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "cy" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")


@contextlib.contextmanager
def welsh() -> Iterator[None]:
    """Welsh active, from the compiled catalogue; refuses a missing or stale compilation."""
    assert COMPILED.exists(), "The Welsh catalogue is not compiled: run bash scripts/setup"
    assert COMPILED.stat().st_mtime >= CATALOGUE.stat().st_mtime, (
        "The compiled Welsh catalogue is older than django.po: run bash scripts/setup"
    )
    with translation.override("cy"):
        yield


def _translated(url: str, language: str) -> str:
    # An address resolves only in its own language (English ones have no prefix), so it is
    # read in that language before it is reversed in the other.
    with translation.override(get_language_from_path(url) or settings.LANGUAGE_CODE):
        return translate_url(url, language)


def in_welsh(url: str) -> str:
    """The Welsh address of the page at `url` (`/cy/...`), whichever language `url` is in; an
    address that is no page (a 404) gets the prefix alone."""
    translated = _translated(url, "cy")
    if translated == url and not get_language_from_path(url):
        return "/cy" + url
    return translated


def in_english(url: str) -> str:
    translated = _translated(url, "en-gb")
    if translated == url and get_language_from_path(url) == "cy":
        return url.removeprefix("/cy")
    return translated


def welsh_get(client: Client, url: str, **kwargs) -> HttpResponse:
    """The page at `url` in Welsh: a request for its Welsh address, as the switch links to."""
    with welsh():
        return client.get(in_welsh(url), **kwargs)


def english_get(client: Client, url: str, **kwargs) -> HttpResponse:
    """The same page in English, to compare with its Welsh rendering."""
    with translation.override("en-gb"):
        return client.get(in_english(url), **kwargs)


def welsh_post(client: Client, url: str, data=None) -> HttpResponse:
    """A form sent from the Welsh page at `url`."""
    with welsh():
        return client.post(in_welsh(url), data or {})


def english_post(client: Client, url: str, data=None) -> HttpResponse:
    with translation.override("en-gb"):
        return client.post(in_english(url), data or {})
