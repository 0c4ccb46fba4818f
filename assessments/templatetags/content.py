"""
Filters that turn the plain text admins edit (the site texts on `ChecklistVersion`) into
GOV.UK Frontend markup.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

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
