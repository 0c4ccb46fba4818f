"""
An admin that fits the job: the index lists what admins use, in their words and in the order
they use it; every content field is shown to people somewhere (the version's introduction on
the start page); and the help texts say where.
"""

import re

import pytest
from django.urls import reverse

from assessments.models import ChecklistVersion
from tests.test_admin import admin_client, change_url  # noqa: F401  (a fixture)


def index_sections(html: str) -> list[tuple[str, list[str]]]:
    """Each section of the admin index's app list: its name and its models' names."""
    main = html[html.index('id="content-main"') :]
    sections = []
    for block in re.findall(r"<table>(.*?)</table>", main, flags=re.S):
        caption = re.search(r'class="section">([^<]+)</a>', block)
        models = re.findall(r'<th scope="row"[^>]*>\s*(?:<a [^>]*>)?([^<]+?)\s*<', block)
        if caption:
            sections.append((caption.group(1).strip(), models))
    return sections


@pytest.fixture
def index_page(admin_client):  # noqa: F811
    return admin_client.get(reverse("admin:index"))


def test_the_admin_index_lists_its_sections_in_admins_words_in_the_order_of_use(index_page):
    sections = index_page.content.decode()

    assert index_sections(sections) == [
        ("Checklist content", ["Checklist versions", "Areas", "Key actions", "Quotes"]),
        (
            "Councils and people",
            [
                "Councils",
                "Accounts",
                "Invitations",
                "Council sign-in (SSO)",
                "Council account links",
                "Access trail",
            ],
        ),
        ("Background work", ["Emails", "Tasks"]),
        ("Sign-in security", ["Locked-out sign-ins", "Failed sign-ins", "Sign-ins"]),
    ]


def test_the_admin_index_keeps_the_background_work_page_first(index_page):
    html = index_page.content.decode()

    assert html.index(reverse("admin:assessments_email_work")) < html.index("Checklist content")


def test_the_admin_index_lists_no_permission_groups(index_page):
    html = index_page.content.decode()

    assert "auth/group" not in html
    assert ">Groups<" not in html
    assert "Authentication and Authorization" not in html


def test_the_sidebar_of_every_admin_page_uses_the_same_sections(admin_client, checklist):  # noqa: F811
    html = admin_client.get(change_url(checklist)).content.decode()

    assert "Checklist content" in html
    assert "Key actions" in html


def test_the_start_page_shows_the_published_versions_introduction_in_paragraphs(client, checklist):
    checklist.introduction = "The first paragraph.\nStill the first.\n\nThe second paragraph."
    checklist.save()

    html = client.get(reverse("assessments:start")).content.decode()

    assert '<p class="govuk-body">The first paragraph. Still the first.</p>' in html
    assert '<p class="govuk-body">The second paragraph.</p>' in html


def test_the_start_page_shows_the_fixtures_introduction(client, checklist):
    html = client.get(reverse("assessments:start")).content.decode()

    assert "checklist they can use to review whether there are further actions" in html


def test_a_version_without_an_introduction_shows_none_on_the_start_page(client, checklist):
    introduction = checklist.introduction
    ChecklistVersion.objects.filter(pk=checklist.pk).update(introduction="")

    html = client.get(reverse("assessments:start")).content.decode()

    first_paragraph = introduction.split("\n\n")[0]
    assert first_paragraph[:40] not in html
    assert "You can use it on your own, or as a group" in html


def test_a_draft_versions_introduction_is_not_on_the_start_page(client, checklist):
    ChecklistVersion.objects.create(
        number=99,
        title="Draft",
        introduction="A draft introduction nobody should see",
        innovation_definition="Draft",
        key_findings="Draft",
    )

    html = client.get(reverse("assessments:start")).content.decode()

    assert "A draft introduction nobody should see" not in html


def test_every_content_field_in_admin_says_where_it_is_shown(admin_client, checklist):  # noqa: F811
    area = checklist.areas.first()
    pages = [checklist, area, area.questions.first(), area.quotes.first()]
    missing = []
    for obj in pages:
        response = admin_client.get(change_url(obj))
        forms = [response.context["adminform"].form] + [
            inline.formset.forms[0] for inline in response.context["inline_admin_formsets"]
        ]
        for form in forms:
            missing += [
                f"{form._meta.model.__name__}.{name}"
                for name, field in form.fields.items()
                if name not in {"id", "DELETE", "checklist", "area"} and not field.help_text
            ]

    assert missing == []


def test_the_introductions_help_text_says_it_is_on_the_start_page(admin_client, checklist):  # noqa: F811
    form = admin_client.get(change_url(checklist)).context["adminform"].form

    assert "Shown on the start page" in form.fields["introduction_en_gb"].help_text
    assert "Blank lines separate paragraphs" in form.fields["introduction_en_gb"].help_text
