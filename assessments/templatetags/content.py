"""
Filters that turn the plain text admins edit (the site texts on `ChecklistVersion`) into
GOV.UK Frontend markup.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

register = template.Library()

LIST_ITEM_PREFIX = "- "


@register.filter
def paragraphs(text: str | None) -> SafeString:
    """
    Plain text to paragraphs and bulleted lists.

    A blank line ends a block. Consecutive lines that start with "- " make one bulleted list;
    other consecutive lines make one paragraph (joined with spaces). Everything is escaped:
    admins write text, not HTML.
    """
    blocks: list[tuple[str, list[str]]] = []  # ("p" or "ul", lines)
    for raw_line in (text or "").splitlines():
        line = raw_line.strip()
        if not line:
            blocks.append(("", []))
            continue
        kind = "ul" if line.startswith(LIST_ITEM_PREFIX) else "p"
        if kind == "ul":
            line = line.removeprefix(LIST_ITEM_PREFIX).strip()
        if blocks and blocks[-1][0] == kind:
            blocks[-1][1].append(line)
        else:
            blocks.append((kind, [line]))

    html = []
    for kind, lines in blocks:
        if kind == "p":
            html.append(format_html('<p class="govuk-body">{}</p>', " ".join(lines)))
        elif kind == "ul":
            items = format_html_join("\n", "<li>{}</li>", ((line,) for line in lines))
            html.append(format_html('<ul class="govuk-list govuk-list--bullet">\n{}\n</ul>', items))
    return format_html_join("\n", "{}", ((block,) for block in html))


# GOV.UK Frontend picks a message by the plural category of the count in the page's language
# (Intl.PluralRules): Welsh has all six. Each category is translated through ngettext with a
# number that falls in it, so the catalogue's own plural forms give the right words.
PLURAL_CATEGORY_NUMBERS = {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 6, "other": 5}


@register.simple_tag
def character_count_i18n() -> SafeString:
    """The `data-i18n.*` attributes that put a character count's live messages in the page's language."""
    attributes: list[tuple[str, str]] = []
    for category, number in PLURAL_CATEGORY_NUMBERS.items():
        attributes.append(
            (
                f"data-i18n.characters-under-limit.{category}",
                ngettext(
                    "You have %{count} character remaining",
                    "You have %{count} characters remaining",
                    number,
                ),
            )
        )
        attributes.append(
            (
                f"data-i18n.characters-over-limit.{category}",
                ngettext(
                    "You have %{count} character too many",
                    "You have %{count} characters too many",
                    number,
                ),
            )
        )
    attributes.append(("data-i18n.characters-at-limit", gettext("You have 0 characters remaining")))
    return format_html_join(" ", '{}="{}"', attributes)
