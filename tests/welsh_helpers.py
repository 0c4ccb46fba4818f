"""
The Welsh service in tests: the committed catalogue (locale/cy/LC_MESSAGES/django.po, compiled
by scripts/setup) and the one way a test asks for a page in Welsh.
"""

import contextlib
from collections.abc import Iterator
from pathlib import Path

from django.http import HttpResponse
from django.test import Client
from django.urls import translate_url
from django.utils import translation

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


def in_welsh(url: str) -> str:
    """The Welsh address of the page at `url` (`/cy/...`), whichever language `url` is in."""
    return translate_url(url, "cy")


def in_english(url: str) -> str:
    return translate_url(url, "en-gb")


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
