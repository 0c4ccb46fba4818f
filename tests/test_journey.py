"""A councillor's whole journey through the Django test client, as a browser would make it."""

import re

from django.core import mail
from django.urls import reverse

from assessments.models import Answer, Assessment, StepReview, User
from tests.answering_helpers import (
    area_codes,
    area_data,
    area_url,
    check_url,
    detail_url,
    submit_url,
)
from tests.builders import PASSWORD, add_step
from tests.email_helpers import run_due_tasks

NEW_PASSWORD = "a long new password for nia"


def sign_in(client, user, password=PASSWORD):
    response = client.post(
        reverse("assessments:sign_in"), {"email": user.email, "password": password}
    )
    assert response.status_code == 302, "sign-in failed"


def accept_invitation_from_email(client, officer) -> User:
    """An officer invites a councillor; the councillor follows the emailed link, sets a
    password and lands on their dashboard, signed in."""
    client.force_login(officer)
    client.post(
        reverse("assessments:invite"), {"full_name": "Nia Jones", "email": "nia@example.org"}
    )
    client.post(reverse("assessments:sign_out"))
    run_due_tasks()  # the worker sends the invitation
    (message,) = mail.outbox
    link = re.search(r"https?://\S+", message.body).group(0)
    page = client.get(link)
    assert "Set your password" in page.content.decode()
    response = client.post(
        link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("assessments:dashboard")
    assert "Start a new assessment" in response.content.decode()
    client.post(reverse("assessments:sign_out"))
    return User.objects.get(email="nia@example.org")


def radios_checked(html: str) -> int:
    return len(re.findall(r'type="radio" value="\d+" checked', html))


def test_an_invited_councillor_answers_over_two_sessions_checks_submits_and_starts_again(
    client, checklist, officer
):
    codes = area_codes(checklist)
    councillor = accept_invitation_from_email(client, officer)

    # First session: sign in with the new password, read "Before you start", start, answer two
    # areas, come back later.
    sign_in(client, councillor, NEW_PASSWORD)
    before = client.get(reverse("assessments:assessment_start")).content.decode()
    assert "Before you start" in before and "Freedom of Information Act" in before
    response = client.post(reverse("assessments:assessment_start"), follow=True)
    assessment = Assessment.objects.get(owner=councillor)
    assert response.redirect_chain[-1][0] == detail_url(assessment)
    assert "govuk-task-list" in response.content.decode()

    response = client.post(
        area_url(assessment, codes[0]), area_data(assessment, codes[0], default="yes")
    )
    assert response.url == area_url(assessment, codes[1])
    response = client.post(
        area_url(assessment, codes[1]),
        area_data(assessment, codes[1], default="partly", after="later"),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == detail_url(assessment)
    assert "Your answers have been saved" in response.content.decode()
    client.post(reverse("assessments:sign_out"))

    # Second session: continue from the task list, answer the rest.
    sign_in(client, councillor, NEW_PASSWORD)
    dashboard = client.get(reverse("assessments:dashboard")).content.decode()
    assert f'href="{detail_url(assessment)}"' in dashboard
    assert "11 of 20 key actions answered, 2 of 4 areas completed." in dashboard
    task_list = client.get(detail_url(assessment)).content.decode()
    assert f'href="{area_url(assessment, codes[2])}"' in task_list
    for code in codes[2:]:
        response = client.post(
            area_url(assessment, code),
            area_data(assessment, code, default="not-yet", notes={"persist": "Keep going."}),
        )
    assert response.url == detail_url(assessment)

    # Check answers, change one and come back, submit.
    html = client.get(check_url(assessment)).content.decode()
    assert "Keep going." in html
    change = area_url(assessment, codes[0]) + "?return=check#encourage-creativity"
    assert f'href="{change}"' in html
    page = client.get(change.split("#")[0]).content.decode()
    assert f'href="{check_url(assessment)}" class="govuk-back-link"' in page
    response = client.post(
        area_url(assessment, codes[0]),
        {
            **area_data(assessment, codes[0], {"encourage-creativity": "not-sure"}, default="yes"),
            "return": "check",
        },
    )
    assert response.url == check_url(assessment)
    revision = Assessment.objects.get(pk=assessment.pk).revision
    response = client.post(submit_url(assessment), {"revision": revision}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "assessments:confirmation", args=[assessment.pk]
    )
    assert "Assessment submitted" in response.content.decode()
    html = client.get(detail_url(assessment)).content.decode()
    assert "Not sure" in html and "Change" not in html
    assessment.refresh_from_db()
    assert assessment.is_submitted
    add_step(assessment, "persist", what="Hold a quarterly review")

    # Start again from last time: answers pre-filled, each to be confirmed, and the last
    # plan's step to review.
    response = client.post(
        reverse("assessments:assessment_start"), {"start_from": "previous"}, follow=True
    )
    again = Assessment.objects.get(owner=councillor, status="draft")
    assert again.previous == assessment
    assert "Review your last plan" in response.content.decode()
    html = client.get(area_url(again, codes[0])).content.decode()
    assert html.count("From your last assessment") == 6
    assert radios_checked(html) == 6
    response = client.post(submit_url(again), {"revision": again.revision})
    html = response.content.decode()
    assert len(re.findall("Confirm your answer to", html)) == 20
    assert "Say how “Persist, persist, persist” went" in html
    for code in codes:
        saved = Answer.objects.filter(assessment=again, question__area__code=code)
        client.post(
            area_url(again, code),
            {
                "revision": Assessment.objects.get(pk=again.pk).revision,
                **{a.question.code: str(a.option_id) for a in saved},
                **{f"{a.question.code}-note": a.note for a in saved},
            },
        )
    (review,) = StepReview.objects.filter(assessment=again)
    client.post(
        reverse("assessments:last_plan", args=[again.pk]),
        {
            "revision": Assessment.objects.get(pk=again.pk).revision,
            f"review-{review.pk}": "done",
        },
    )
    revision = Assessment.objects.get(pk=again.pk).revision
    response = client.post(submit_url(again), {"revision": revision})
    assert response.url == reverse("assessments:confirmation", args=[again.pk])
    assert Assessment.objects.filter(owner=councillor, status="submitted").count() == 2
    assert Answer.objects.get(assessment=again, question__code="persist").note == "Keep going."
    review.refresh_from_db()
    assert review.outcome == StepReview.Outcome.DONE
