"""
The page's language for `<html lang>`, and the language switch in every page's header.
"""

from django import template
from django.conf import settings
from django.urls import get_script_prefix, translate_url
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

# Each language as `lang`/`hreflang` give it (BCP 47), for the document and for the switch.
DOCUMENT_LANG = {"en-gb": "en-GB", "cy": "cy"}
SWITCH_LANG = {"en-gb": "en", "cy": "cy"}


def other_language() -> str:
    """The language the switch offers: Welsh on English pages, English on Welsh ones."""
    return settings.LANGUAGE_CODE if translation.get_language() == "cy" else "cy"


def start_page_url(language: str) -> str:
    """The start page in `language`, looked up in nothing (error pages may not look anything
    up): English unprefixed, other languages under their prefix."""
    prefix = "" if language == settings.LANGUAGE_CODE else f"{language}/"
    return f"{get_script_prefix()}{prefix}"


@register.simple_tag
def document_lang() -> str:
    """The active language for `<html lang>`: "en-GB" or "cy"."""
    return DOCUMENT_LANG.get(translation.get_language() or "", "en-GB")


@register.simple_tag
def start_page() -> str:
    """The start page in the active language, for the error pages that may look nothing up."""
    return start_page_url(translation.get_language() or settings.LANGUAGE_CODE)


@register.simple_tag(takes_context=True)
def language_switch(
    context, css_class: str = "govuk-service-navigation__link", to_start: bool = False
) -> SafeString:
    """
    A link to the same page in the other language, labelled in that language ("Cymraeg" on
    English pages, "English" on Welsh ones) with its `lang` and `hreflang`. It keeps the
    page's path arguments and query string (`translate_url`).

    Error pages (`to_start`, or a page that matched no address) link to the start page in the
    other language instead: they never repeat the address that was asked for. A page outside
    the /cy/ addresses that has a language of its own (the admin's preview) gives its
    other-language address as `language_switch_url`.
    """
    language = other_language()
    request = context.get("request")
    if context.get("language_switch_url"):
        url = context["language_switch_url"]
    elif to_start or request is None or request.resolver_match is None:
        url = start_page_url(language)
    else:
        url = translate_url(request.get_full_path(), language)
    code = SWITCH_LANG[language]
    return format_html(
        '<a class="{}" href="{}" lang="{}" hreflang="{}" rel="alternate">{}</a>',
        css_class,
        url,
        code,
        code,
        dict(settings.LANGUAGES)[language],
    )
