"""Answering for a group: the dashboard offers each open group, starting records the group, and
the assessment submitted for it is linked without a separate step. The picker tells assessments
apart where linking by hand is still needed."""

import datetime
import html as html_lib

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import answering, groups
from assessments.answering import assessment_start, assessment_submit
from assessments.models import Assessment, CouncillorGroup
from tests.answering_helpers import detail_url
from tests.builders import answer_all, submit


def start_url(group: CouncillorGroup | None = None) -> str:
    url = reverse("assessments:assessment_start")
    return f"{url}?group={group.pk}" if group else url


def dashboard(client) -> str:
    return html_lib.unescape(client.get(reverse("assessments:dashboard")).content.decode())


@pytest.fixture
def cabinet(council, checklist, councillor) -> CouncillorGroup:
    group = groups.group_create(council=council, name="Cabinet")
    group.answers_due = datetime.date(2027, 1, 8)
    group.save(update_fields=["answers_due"])
    groups.group_add_members(group=group, users=[councillor])
    return group


@pytest.fixture
def scrutiny(council, checklist, councillor) -> CouncillorGroup:
    group = groups.group_create(council=council, name="Scrutiny")
    groups.group_add_members(group=group, users=[councillor])
    return group


def test_a_member_of_an_open_group_is_offered_to_start_their_assessment_for_it(signed_in, cabinet):
    html = dashboard(signed_in)

    assert "Start your assessment for Cabinet (answers due 8 January)" in html
    assert f'href="{start_url(cabinet)}"' in html


def test_starting_for_the_group_links_the_draft_to_it(signed_in, councillor, cabinet):
    page = signed_in.get(start_url(cabinet)).content.decode()
    assert "Your assessment for Cabinet" in page

    response = signed_in.post(start_url(cabinet))

    draft = Assessment.objects.get(owner=councillor)
    assert response.url == detail_url(draft)
    assert draft.group == cabinet
    assert "Continue your assessment for Cabinet (answers due 8 January)" in dashboard(signed_in)


def test_the_assessment_submitted_for_the_group_is_linked_and_the_confirmation_says_so(
    signed_in, councillor, cabinet
):
    signed_in.post(start_url(cabinet))
    draft = Assessment.objects.get(owner=councillor)
    answer_all(draft)

    response = signed_in.post(reverse("assessments:submit", args=[draft.pk]), {"revision": 0})
    page = html_lib.unescape(signed_in.get(response.url).content.decode())

    draft.refresh_from_db()
    assert draft.is_submitted and draft.group == cabinet
    assert "Linked to Cabinet" in page
    assert "you do not need to do anything else" in page
    assert "Link it to Cabinet" not in page
    # Submitted for it: the dashboard offers nothing more for Cabinet.
    assert "your assessment for Cabinet" not in dashboard(signed_in)


def test_a_double_click_on_start_makes_one_draft_for_the_group(signed_in, councillor, cabinet):
    first = signed_in.post(start_url(cabinet))
    second = signed_in.post(start_url(cabinet))

    draft = Assessment.objects.get(owner=councillor)
    assert first.url == second.url == detail_url(draft)
    assert draft.group == cabinet


def test_continuing_a_draft_for_no_group_records_the_group(signed_in, councillor, cabinet):
    draft = assessment_start(owner=councillor, from_previous=False)
    assert "Continue your assessment for Cabinet" in dashboard(signed_in)

    response = signed_in.post(start_url(cabinet))

    draft.refresh_from_db()
    assert response.url == detail_url(draft)
    assert draft.group == cabinet


def test_a_get_of_start_for_a_group_with_a_draft_changes_nothing(signed_in, councillor, cabinet):
    draft = assessment_start(owner=councillor, from_previous=False)

    response = signed_in.get(start_url(cabinet))

    draft.refresh_from_db()
    assert response.url == detail_url(draft)
    assert draft.group is None


def test_with_two_open_groups_each_has_a_card_and_the_draft_serves_the_one_it_is_for(
    signed_in, councillor, cabinet, scrutiny
):
    html = dashboard(signed_in)
    assert "Start your assessment for Cabinet (answers due 8 January)" in html
    assert "Start your assessment for Scrutiny" in html
    # The nearest deadline first.
    assert html.index("for Cabinet") < html.index("for Scrutiny")

    signed_in.post(start_url(cabinet))
    signed_in.post(start_url(scrutiny))  # the draft stays Cabinet's

    draft = Assessment.objects.get(owner=councillor)
    assert draft.group == cabinet
    html = dashboard(signed_in)
    assert "Continue your assessment for Cabinet" in html
    assert (
        "Your assessment in progress is for Cabinet. Once you submit it, start one for Scrutiny"
        in html
    )


def test_after_submitting_for_one_group_the_other_can_start_from_those_answers(
    signed_in, councillor, cabinet, scrutiny
):
    draft = assessment_start(owner=councillor, from_previous=False, group=cabinet)
    answer_all(draft, default="partly")
    assessment_submit(assessment=draft, revision=0)

    page = html_lib.unescape(
        signed_in.get(reverse("assessments:confirmation", args=[draft.pk])).content.decode()
    )
    assert "Scrutiny is also collecting answers" in page
    assert "Start your assessment for Scrutiny" in dashboard(signed_in)

    page = signed_in.get(start_url(scrutiny)).content.decode()
    assert f'action="{start_url(scrutiny)}"' in page and "start_from" in page

    signed_in.post(start_url(scrutiny), {"start_from": "previous"})

    second = Assessment.objects.get(owner=councillor, status=Assessment.Status.DRAFT)
    assert second.group == scrutiny and second.previous == draft


@pytest.mark.parametrize(
    "status", [CouncillorGroup.Status.DISCUSSION, CouncillorGroup.Status.CLOSED]
)
def test_a_group_no_longer_collecting_answers_is_not_offered(signed_in, cabinet, status):
    CouncillorGroup.objects.filter(pk=cabinet.pk).update(status=status)

    assert "your assessment for Cabinet" not in dashboard(signed_in)


def test_starting_for_a_closed_group_is_refused_and_starts_nothing(signed_in, councillor, cabinet):
    page = signed_in.get(start_url(cabinet))  # the page was loaded while it was open
    assert page.status_code == 200
    CouncillorGroup.objects.filter(pk=cabinet.pk).update(status=CouncillorGroup.Status.CLOSED)

    response = signed_in.post(start_url(cabinet), follow=True)

    assert not Assessment.objects.filter(owner=councillor).exists()
    assert "Cabinet is no longer collecting answers" in html_lib.unescape(response.content.decode())


def test_the_service_refuses_a_group_the_owner_is_not_a_member_of(
    council, checklist, second_councillor, cabinet
):
    with pytest.raises(answering.GroupNotCollecting):
        assessment_start(owner=second_councillor, from_previous=False, group=cabinet)

    assert not Assessment.objects.filter(owner=second_councillor).exists()


def test_a_group_the_councillor_is_not_in_is_a_404(client, second_councillor, cabinet):
    client.force_login(second_councillor)

    assert client.get(start_url(cabinet)).status_code == 404
    assert client.post(start_url(cabinet)).status_code == 404
    assert not Assessment.objects.filter(owner=second_councillor).exists()


def test_another_councils_group_is_a_404(client, other_councillor, other_council, cabinet):
    client.force_login(other_councillor)

    assert client.post(start_url(cabinet)).status_code == 404
    assert (
        client.get(f"{reverse('assessments:assessment_start')}?group=nonsense").status_code == 404
    )


def test_an_officer_cannot_start_for_a_group(client, officer, cabinet):
    client.force_login(officer)

    assert client.post(start_url(cabinet)).status_code == 403


def test_the_dashboard_keeps_its_query_count_with_groups(
    signed_in, council, councillor, cabinet, scrutiny, django_assert_num_queries
):
    draft = assessment_start(owner=councillor, from_previous=False, group=cabinet)
    submit(councillor, cabinet.checklist, group=scrutiny)
    for n in range(3):
        extra = groups.group_create(council=council, name=f"Committee {n}")
        groups.group_add_members(group=extra, users=[councillor])

    # session, user, assessments, the draft's areas with counts, its reviews, the submitted
    # one's counts, groups
    with django_assert_num_queries(7):
        html = dashboard(signed_in)

    assert f'href="{detail_url(draft)}"' in html
    assert "start one for Committee 2" in html


# --- The picker ----------------------------------------------------------------------------


def test_the_picker_tells_submitted_assessments_apart_by_time_score_and_latest(
    signed_in, councillor, checklist, cabinet
):
    earlier = timezone.make_aware(datetime.datetime(2026, 11, 3, 9, 5))
    later = timezone.make_aware(datetime.datetime(2026, 11, 3, 16, 40))
    submit(councillor, checklist, default="partly", submitted_at=earlier)
    submit(councillor, checklist, default="yes", submitted_at=later)

    page = html_lib.unescape(
        signed_in.get(reverse("assessments:group_detail", args=[cabinet.pk])).content.decode()
    )

    assert "Submitted on 3 November 2026 at 09:05, overall 50%" in page
    assert "Submitted on 3 November 2026 at 16:40, overall 100% (latest)" in page
    assert "09:05, overall 50% (latest)" not in page


def test_latest_is_the_persons_latest_even_when_that_one_stays_with_a_closed_group(
    signed_in, council, councillor, checklist, cabinet
):
    closed = groups.group_create(council=council, name="Old panel")
    groups.group_add_members(group=closed, users=[councillor])
    submit(councillor, checklist, submitted_at=timezone.now() - datetime.timedelta(days=9))
    submit(councillor, checklist, group=closed)
    CouncillorGroup.objects.filter(pk=closed.pk).update(status=CouncillorGroup.Status.CLOSED)

    page = html_lib.unescape(
        signed_in.get(reverse("assessments:group_detail", args=[cabinet.pk])).content.decode()
    )

    assert "overall 100%" in page
    assert "(latest)" not in page


def test_the_overall_score_follows_the_reports_rule_with_not_sure_left_out(councillor, checklist):
    assessment = submit(
        councillor, checklist, {"persist": "not-sure", "space-to-test": "not-yet"}, default="yes"
    )
    blank = submit(councillor, checklist, default="not-sure")

    # 18 Yes and 1 Not yet: 36 of 38 points, 94.7 → 95; all Not sure: nothing scored.
    assert answering.overall_percentages([assessment, blank]) == {
        assessment.pk: 95,
        blank.pk: None,
    }


def test_the_group_page_offers_to_start_for_the_group_when_nothing_is_linked(
    signed_in, councillor, cabinet
):
    url = reverse("assessments:group_detail", args=[cabinet.pk])
    page = html_lib.unescape(signed_in.get(url).content.decode())
    assert f'href="{start_url(cabinet)}"' in page

    draft = assessment_start(owner=councillor, from_previous=False)
    page = html_lib.unescape(signed_in.get(url).content.decode())
    assert f'action="{start_url(cabinet)}"' in page  # continuing records the group

    groups.assessment_link_group(assessment=draft, group=cabinet, user=councillor)
    page = html_lib.unescape(signed_in.get(url).content.decode())
    assert start_url(cabinet) not in page
