"""Who may open each answering page: only the owner sees an assessment; everyone signs in."""

import re

import pytest
from django.contrib.auth.views import redirect_to_login
from django.test import Client
from django.urls import reverse

from assessments.models import Answer, Assessment
from tests.answering_helpers import area_data, area_url, check_url, detail_url, submit_url


def assessment_urls(assessment) -> dict[str, tuple[str, list[str]]]:
    """Every URL of an assessment, with the methods it accepts."""
    return {
        "area": (area_url(assessment, "climate"), ["get", "post"]),
        "check_answers": (check_url(assessment), ["get"]),
        "submit": (submit_url(assessment), ["post"]),
        "assessment_detail": (detail_url(assessment), ["get"]),
        "last_plan": (reverse("assessments:last_plan", args=[assessment.pk]), ["get", "post"]),
        "confirmation": (reverse("assessments:confirmation", args=[assessment.pk]), ["get"]),
    }


def all_urls(assessment):
    return [
        (reverse("assessments:dashboard"), "get"),
        (reverse("assessments:assessment_start"), "get"),
        (reverse("assessments:assessment_start"), "post"),
        *[
            (url, method)
            for url, methods in assessment_urls(assessment).values()
            for method in methods
        ],
    ]


def test_anonymous_visitors_are_sent_to_sign_in_from_every_url(client, draft):
    for url, method in all_urls(draft):
        response = getattr(client, method)(url)

        assert response.status_code == 302, url
        assert response.url == redirect_to_login(url).url, url


@pytest.mark.parametrize(
    "persona", ["second_councillor", "other_councillor", "officer", "other_officer", "admin_user"]
)
def test_nobody_but_the_owner_can_open_an_assessment_whatever_the_method(
    client, draft, persona, request
):
    client.force_login(request.getfixturevalue(persona))
    data = area_data(draft, "climate", default="yes")

    for name, (url, methods) in assessment_urls(draft).items():
        for method in ["get", "post", "put", "patch", "delete"]:
            response = (
                getattr(client, method)(url, data)
                if method == "post"
                else getattr(client, method)(url)
            )
            # A method the page does not take is refused before the assessment is looked up,
            # so neither answer says whether the assessment exists.
            expected = 404 if method in methods else 405
            assert response.status_code == expected, (name, method)

    assert not Answer.objects.filter(assessment=draft).exists()
    assert Assessment.objects.get(pk=draft.pk).revision == 0


def test_the_owner_can_open_every_url(client, councillor, draft):
    client.force_login(councillor)
    expected = {
        (reverse("assessments:dashboard"), "get"): 200,
        (reverse("assessments:assessment_start"), "get"): 302,  # to the draft in progress
        (reverse("assessments:assessment_start"), "post"): 302,
        (area_url(draft, "climate"), "get"): 200,
        (area_url(draft, "climate"), "post"): 302,  # saved
        (check_url(draft), "get"): 200,
        (submit_url(draft), "post"): 200,  # refused: questions open; the page says so
        (detail_url(draft), "get"): 200,  # a draft's task list
        # A first assessment has no plan to review, and a draft no confirmation yet.
        (reverse("assessments:last_plan", args=[draft.pk]), "get"): 404,
        (reverse("assessments:confirmation", args=[draft.pk]), "get"): 302,
    }
    data = area_data(draft, "climate", default="yes")

    for (url, method), status in expected.items():
        if url == submit_url(draft):
            data = {"revision": Assessment.objects.get(pk=draft.pk).revision}
        response = client.post(url, data) if method == "post" else client.get(url)
        assert response.status_code == status, url


@pytest.mark.parametrize("persona", ["officer", "admin_user"])
def test_officers_and_admins_see_a_staff_dashboard_and_cannot_start_an_assessment(
    client, checklist, persona, request
):
    client.force_login(request.getfixturevalue(persona))

    dashboard = client.get(reverse("assessments:dashboard"))

    assert dashboard.status_code == 200
    assert "Start a new assessment" not in dashboard.content.decode()
    assert client.get(reverse("assessments:assessment_start")).status_code == 403
    assert client.post(reverse("assessments:assessment_start")).status_code == 403
    assert not Assessment.objects.exists()


def test_a_second_councillor_gets_their_own_draft_not_the_first_ones(
    client, second_councillor, draft
):
    client.force_login(second_councillor)

    client.post(reverse("assessments:assessment_start"))

    theirs = Assessment.objects.get(owner=second_councillor)
    assert theirs != draft


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_every_post_needs_the_csrf_token(checklist, councillor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(councillor)
    start_url = reverse("assessments:assessment_start")

    assert client.post(start_url).status_code == 403
    assert not Assessment.objects.exists()

    token = csrf_token(client.get(reverse("assessments:dashboard")).content.decode())
    assert client.post(start_url, {"csrfmiddlewaretoken": token}).status_code == 302
    draft = Assessment.objects.get(owner=councillor)

    data = area_data(draft, "climate", default="yes")
    assert client.post(area_url(draft, "climate"), data).status_code == 403
    assert client.post(submit_url(draft), {"revision": 0}).status_code == 403
    assert not Answer.objects.filter(assessment=draft).exists()

    token = csrf_token(client.get(area_url(draft, "climate")).content.decode())
    response = client.post(area_url(draft, "climate"), {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Answer.objects.filter(assessment=draft).count() == 6
