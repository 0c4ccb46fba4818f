"""The public pages, the base layout, and the front-end build."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse

from assessments.templatetags.content import paragraphs

COMPILED_CSS = Path(settings.BASE_DIR) / "static" / "dist" / "application.css"

AREA_TITLES = [
    "Create the climate for innovation",
    "Lead for innovation",
    "Agree clear long-term ambitions for innovation",
    "Ensure priority innovations are delivered",
]


@pytest.fixture
def start_page(client, checklist):
    return client.get(reverse("assessments:start"))


def test_the_start_page_shows_the_four_areas_in_order_with_their_key_action_counts(start_page):
    assert start_page.status_code == 200
    html = start_page.content.decode()
    positions = [html.index(title) for title in AREA_TITLES]
    assert positions == sorted(positions)
    for title, count in zip(AREA_TITLES, [6, 5, 4, 5], strict=True):
        assert f"{title} ({count} key actions)" in html
    assert "There are 20 key actions in 4 areas" in html


def test_the_start_page_shows_the_definition_and_key_findings_from_the_checklist(
    start_page, checklist
):
    html = start_page.content.decode()
    assert "new to the council and" in html
    assert "<li>persist intelligently, despite many barriers" in html
    assert checklist.innovation_definition.splitlines()[0] in html


def test_the_start_page_says_who_can_see_what_before_anyone_answers(start_page):
    html = start_page.content.decode()
    assert "Who can see your answers" in html
    assert "private to you" in html
    assert "at least 3 members have submitted" in html
    assert "only if you choose to share it" in html
    assert "Freedom of Information Act" in html


def test_the_start_page_uses_the_published_checklist_not_a_draft(client, checklist):
    draft = type(checklist).objects.create(
        number=99,
        title="Draft",
        innovation_definition="A draft definition nobody should see",
        key_findings="Draft findings",
    )
    assert draft.status == "draft"
    html = client.get(reverse("assessments:start")).content.decode()
    assert "A draft definition nobody should see" not in html


def test_the_start_page_is_not_found_when_no_checklist_is_published(client, no_checklist):
    assert client.get(reverse("assessments:start")).status_code == 404


def test_the_start_page_runs_a_fixed_number_of_queries(
    client, checklist, django_assert_num_queries
):
    # The version, its areas with their key-action counts, and its answer scale.
    with django_assert_num_queries(3):
        client.get(reverse("assessments:start"))


def test_every_page_is_in_british_english_with_a_skip_link_to_the_main_content(start_page):
    html = start_page.content.decode()
    assert '<html lang="en-GB"' in html
    assert '<a href="#main-content" class="govuk-skip-link"' in html
    assert 'id="main-content"' in html


def test_the_page_title_ends_with_the_service_name(start_page):
    assert (
        "<title>A self-assessment for councillors – Key Actions for Innovation</title>"
        in start_page.content.decode()
    )


def test_the_header_has_the_service_name_and_no_crown(start_page):
    html = start_page.content.decode()
    assert "govuk-generic-header" in html
    assert "Key Actions for Innovation</a>" in html
    assert "govuk-header__logotype" not in html
    assert "crown" not in html.lower()


def test_the_footer_links_to_the_accessibility_statement_and_privacy_notice(start_page):
    html = start_page.content.decode()
    assert f'href="{reverse("assessments:accessibility")}">Accessibility statement</a>' in html
    assert f'href="{reverse("assessments:privacy")}">Privacy notice</a>' in html


def test_pages_have_no_inline_scripts_or_styles(start_page):
    html = start_page.content.decode()
    assert "<script>" not in html
    assert "<style" not in html
    assert "style=" not in html
    assert '<script type="module" src="/static/dist/application.js"></script>' in html


def test_the_header_renders_for_a_signed_in_user_with_the_real_urls(client, checklist, councillor):
    client.force_login(councillor)
    response = client.get(reverse("assessments:start"))
    assert response.status_code == 200
    assert "Sign in</a>" not in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "dashboard_label", "has_groups_link"),
    [
        ("councillor", "Your assessments", False),
        ("officer", "Councillors", True),
        ("admin_user", "Councils", True),
    ],
)
def test_the_navigation_names_each_persons_own_starting_point(
    client, checklist, request, persona, dashboard_label, has_groups_link
):
    client.force_login(request.getfixturevalue(persona))

    html = client.get(reverse("assessments:start")).content.decode()

    nav = html[html.index('aria-label="Menu"') : html.index("</nav>")]
    assert f">{dashboard_label}</a>" in nav
    assert (f'href="{reverse("assessments:group_list")}"' in nav) is has_groups_link


def test_anonymous_people_get_a_sign_in_link_and_a_sign_in_start_button(client, checklist):
    html = client.get(reverse("assessments:start")).content.decode()
    sign_in_url = reverse("assessments:sign_in")
    assert f'<a class="govuk-service-navigation__link" href="{sign_in_url}">Sign in</a>' in html
    assert f'<a href="{sign_in_url}" role="button" draggable="false"' in html
    assert "govuk-button--start" in html
    assert "Sign out" not in html


def test_signed_in_people_get_a_sign_out_button_that_posts_with_a_csrf_token(
    client, checklist, councillor
):
    client.force_login(councillor)
    html = client.get(reverse("assessments:start")).content.decode()
    form = html[html.index("<form") : html.index("</form>")]
    assert f'method="post" action="{reverse("assessments:sign_out")}"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<button type="submit"' in form and ">Sign out</button>" in form
    assert "Sign in</a>" not in html
    assert f'href="{reverse("assessments:dashboard")}"' in html


def test_the_navigation_marks_the_page_you_are_on(client, checklist):
    html = client.get(reverse("assessments:sign_in")).content.decode()
    assert "govuk-service-navigation__item--active" in html
    assert 'aria-current="page"' in html


@pytest.mark.parametrize("name", ["accessibility", "privacy"])
def test_the_accessibility_and_privacy_pages_are_public(client, db, name):
    response = client.get(reverse(f"assessments:{name}"))
    assert response.status_code == 200
    assert response.templates[0].name == f"assessments/{name}.html"


def test_the_accessibility_statement_names_the_standard_and_the_enforcement_procedure(client, db):
    html = client.get(reverse("assessments:accessibility")).content.decode()
    assert "WCAG" in html and "2.2" in html and "AA" in html
    assert "Enforcement procedure" in html
    assert "This statement was prepared on 29 November 2026" in html


def test_the_privacy_notice_covers_data_retention_foi_and_rights(client, db):
    html = client.get(reverse("assessments:privacy")).content.decode()
    for words in ["notes", "action plans", "How long we keep it", "Freedom of Information"]:
        assert words in html
    assert "data protection officer" in html


def test_an_unknown_address_gets_the_generic_not_found_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_the_server_error_page_renders_without_any_context():
    html = Template(Path(settings.BASE_DIR, "templates", "500.html").read_text()).render(Context())
    assert "Sorry, there is a problem with the service" in html
    assert "{%" not in html


def test_paragraphs_makes_paragraphs_and_bulleted_lists():
    html = paragraphs("First line\nsame paragraph.\n\nIntro:\n- one\n- two\n\nLast.")
    assert html == (
        '<p class="govuk-body">First line same paragraph.</p>\n'
        '<p class="govuk-body">Intro:</p>\n'
        '<ul class="govuk-list govuk-list--bullet">\n<li>one</li>\n<li>two</li>\n</ul>\n'
        '<p class="govuk-body">Last.</p>'
    )


def test_paragraphs_escapes_html():
    html = paragraphs('<script>alert("x")</script>\n- <b>bold</b> & co')
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<li>&lt;b&gt;bold&lt;/b&gt; &amp; co</li>" in html


def test_paragraphs_escapes_text_even_when_it_is_marked_safe():
    rendered = Template("{% load content %}{{ text|safe|paragraphs }}").render(
        Context({"text": "<em>hi</em>"})
    )
    assert "<em>" not in rendered


def test_paragraphs_of_nothing_is_nothing():
    assert paragraphs("") == ""
    assert paragraphs(None) == ""


@pytest.mark.skipif(not COMPILED_CSS.exists(), reason="run `npm run build` first")
def test_the_compiled_css_uses_system_fonts_and_loads_no_font_files():
    css = COMPILED_CSS.read_text()
    assert "@font-face" not in css
    assert "GDS Transport" not in css
    assert ".woff" not in css
    assert "font-family:system-ui" in css


@pytest.mark.skipif(not COMPILED_CSS.exists(), reason="run `npm run build` first")
def test_every_file_the_compiled_css_refers_to_is_built_beside_it():
    # collectstatic's manifest storage fails the deploy on a missing url() target.
    static_root = Path(settings.BASE_DIR) / "static"
    for url in set(re.findall(r"url\(\"?([^\")]+)\"?\)", COMPILED_CSS.read_text())):
        assert url.startswith("/static/dist/assets/"), url
        assert (static_root / url.removeprefix("/static/")).is_file(), url
