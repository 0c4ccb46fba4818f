"""
The national overview's kept counts: every change to what it counts moves them in the same
transaction, they always agree with a full recount, and the overview read from them is the
overview counted from every answer.
"""

import datetime
import importlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments import data_rights, overview_counts
from assessments.answering import (
    AssessmentIncomplete,
    assessment_save_area,
    assessment_start,
    assessment_submit,
)
from assessments.models import (
    AnswerOption,
    Area,
    Council,
    CouncilAnswerCount,
    CouncilSubmissions,
    Question,
    User,
)
from assessments.overview import national_overview, national_overview_from_answers
from assessments.overview_counts import overview_counts_agree
from tests.builders import PASSWORD, answer_all, make_user, submit

LONG_AGO = timezone.now() - datetime.timedelta(days=400)


def submit_now(owner: User, answers: dict[str, str] | None = None, *, default="yes", again=False):
    """Submit through the service: start, answer every question, submit. With `again`, start
    from the owner's last submitted assessment and confirm its answers (changing `answers`)."""
    assessment = assessment_start(owner=owner, from_previous=again)
    answers = answers or {}
    if again:
        options = {o.code: o for o in AnswerOption.objects.filter(checklist=assessment.checklist)}
        saved = {a.question_id: a for a in assessment.answers.select_related("option")}
        for area in Area.objects.filter(checklist=assessment.checklist):
            posted = {}
            for question in area.questions.all():
                code = answers.get(question.code) or saved[question.pk].option.code
                posted[question] = (options[code], "")
            assessment = assessment_save_area(
                assessment=assessment, area=area, answers=posted, revision=assessment.revision
            )
    else:
        answer_all(assessment, answers, default=default)
    return assessment_submit(assessment=assessment, revision=assessment.revision)


def people_and_assessments(council: Council) -> tuple[int, int]:
    row = CouncilSubmissions.objects.filter(council=council).first()
    return (row.people, row.assessments) if row else (0, 0)


def answer_count(council: Council, question_code: str, option_code: str) -> int:
    row = CouncilAnswerCount.objects.filter(
        council=council, question__code=question_code, option__code=option_code
    ).first()
    return row.count if row else 0


def assert_counts_agree() -> None:
    assert overview_counts_agree()
    assert national_overview() == national_overview_from_answers()


@pytest.fixture
def third_councillor(council) -> User:
    return make_user(email="kim.councillor@example.org", full_name="Kim Lee", council=council)


# --- Each change, one at a time ----------------------------------------------------------


def test_a_submission_counts_the_person_the_assessment_and_each_answer(checklist, councillor):
    submit_now(councillor, {"persist": "not-yet"}, default="partly")

    council = councillor.council
    assert people_and_assessments(council) == (1, 1)
    assert answer_count(council, "persist", "not-yet") == 1
    assert answer_count(council, "encourage-creativity", "partly") == 1
    assert answer_count(council, "encourage-creativity", "yes") == 0
    assert_counts_agree()


def test_a_second_submission_counts_the_assessment_but_not_the_person_again(checklist, councillor):
    submit_now(councillor, {"persist": "not-yet"})
    submit_now(councillor, {"persist": "yes"}, again=True)

    council = councillor.council
    assert people_and_assessments(council) == (1, 2)
    assert answer_count(council, "persist", "not-yet") == 1
    assert answer_count(council, "persist", "yes") == 1
    assert answer_count(council, "encourage-creativity", "yes") == 2
    assert_counts_agree()


def test_submitting_twice_counts_once(checklist, councillor):
    draft = assessment_start(owner=councillor, from_previous=False)
    answer_all(draft)
    assessment_submit(assessment=draft, revision=0)

    assessment_submit(assessment=draft, revision=0)  # a double click

    assert people_and_assessments(councillor.council) == (1, 1)
    assert_counts_agree()


def test_a_refused_submission_counts_nothing(checklist, councillor):
    draft = assessment_start(owner=councillor, from_previous=False)

    with pytest.raises(AssessmentIncomplete):
        assessment_submit(assessment=draft, revision=0)

    assert not CouncilSubmissions.objects.exists()
    assert not CouncilAnswerCount.objects.exists()


def test_drafts_and_people_without_a_council_are_not_counted(checklist, councillor, admin_user):
    answer_all(assessment_start(owner=councillor, from_previous=False))
    submit_now(admin_user)  # no council

    assert not CouncilSubmissions.objects.exists()
    assert not CouncilAnswerCount.objects.exists()
    assert_counts_agree()


def test_deleting_your_account_takes_your_assessments_out_of_the_counts(
    client, checklist, councillor, second_councillor
):
    submit_now(councillor, {"persist": "not-yet"})
    submit_now(councillor, again=True)
    submit_now(second_councillor)
    client.force_login(councillor)

    client.post(reverse("assessments:delete_account"), {"password": PASSWORD})

    assert not User.objects.filter(pk=councillor.pk).exists()
    assert people_and_assessments(second_councillor.council) == (1, 1)
    assert answer_count(second_councillor.council, "persist", "not-yet") == 0
    assert_counts_agree()


def test_the_purge_takes_out_old_assessments_and_keeps_a_person_with_a_newer_one(
    checklist, council, councillor, second_councillor, settings
):
    settings.DATA_RETENTION_DAYS = 365
    submit(councillor, checklist, {"persist": "not-yet"}, submitted_at=LONG_AGO)
    submit(councillor, checklist)
    submit(second_councillor, checklist, submitted_at=LONG_AGO)

    call_command("purge", stdout=StringIO())  # a dry run: nothing moves
    assert people_and_assessments(council) == (2, 3)

    call_command("purge", "--apply", stdout=StringIO())

    assert people_and_assessments(council) == (1, 1)
    assert answer_count(council, "persist", "not-yet") == 0
    assert answer_count(council, "persist", "yes") == 1
    assert_counts_agree()


def test_the_purge_takes_out_stale_accounts_with_every_assessment(
    checklist, council, councillor, settings
):
    settings.DATA_RETENTION_DAYS = 365
    submit(councillor, checklist)
    submit(councillor, checklist, submitted_at=LONG_AGO)
    User.objects.filter(pk=councillor.pk).update(last_login=LONG_AGO, date_joined=LONG_AGO)

    data_rights.purge_apply(data_rights.purge_plan())

    assert not User.objects.filter(pk=councillor.pk).exists()
    assert people_and_assessments(council) == (0, 0)
    assert_counts_agree()


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_an_admin_deleting_an_account_takes_it_out_of_the_counts(
    admin_client, checklist, councillor, second_councillor
):
    submit_now(councillor)
    submit_now(second_councillor)

    admin_client.post(
        reverse("admin:assessments_user_delete", args=[councillor.pk]), {"post": "yes"}
    )

    assert not User.objects.filter(pk=councillor.pk).exists()
    assert people_and_assessments(second_councillor.council) == (1, 1)
    assert_counts_agree()


def test_an_admin_deleting_selected_accounts_takes_them_out_of_the_counts(
    admin_client, checklist, councillor, second_councillor, third_councillor
):
    for person in (councillor, second_councillor, third_councillor):
        submit_now(person)

    admin_client.post(
        reverse("admin:assessments_user_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [councillor.pk, second_councillor.pk],
            "post": "yes",
        },
    )

    assert User.objects.filter(pk__in=[councillor.pk, second_councillor.pk]).count() == 0
    assert people_and_assessments(third_councillor.council) == (1, 1)
    assert_counts_agree()


def account_form(admin_client, person: User) -> dict:
    """The admin's account form for `person`, posted back as it was rendered."""
    form = (
        admin_client.get(reverse("admin:assessments_user_change", args=[person.pk]))
        .context["adminform"]
        .form
    )
    data = {}
    for field in form:
        value = field.value()
        if isinstance(value, bool):
            if value:
                data[field.html_name] = "on"
        elif value is not None:
            data[field.html_name] = value
    for name in ("last_login", "date_joined"):
        value = data.pop(name, "")
        data[f"{name}_0"] = value.strftime("%Y-%m-%d") if value else ""
        data[f"{name}_1"] = value.strftime("%H:%M:%S") if value else ""
    return data


@pytest.mark.parametrize("to", ["another council", "no council", "back from no council"])
def test_an_admin_moving_a_person_moves_their_assessments_counts(
    admin_client, checklist, council, other_council, councillor, to
):
    submit_now(councillor, {"persist": "not-yet"})
    submit_now(councillor, again=True)
    if to == "back from no council":
        overview_counts.overview_counts_move(person_id=councillor.pk, council_id=None)
        User.objects.filter(pk=councillor.pk).update(council=None)
    data = account_form(admin_client, councillor)
    data["council"] = "" if to == "no council" else other_council.pk

    response = admin_client.post(
        reverse("admin:assessments_user_change", args=[councillor.pk]), data
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    councillor.refresh_from_db()
    assert councillor.council_id == (None if to == "no council" else other_council.pk)
    assert people_and_assessments(council) == (0, 0)
    expected = (0, 0) if to == "no council" else (1, 2)
    assert people_and_assessments(other_council) == expected
    # Both assessments answered "Not yet": the second confirmed the first's answer.
    assert answer_count(other_council, "persist", "not-yet") == (0 if to == "no council" else 2)
    assert_counts_agree()


def test_saving_a_person_without_moving_them_changes_no_counts(admin_client, checklist, councillor):
    submit_now(councillor)
    data = account_form(admin_client, councillor)
    data["full_name"] = "Alex Morgan-Jones"

    admin_client.post(reverse("admin:assessments_user_change", args=[councillor.pk]), data)

    assert User.objects.get(pk=councillor.pk).full_name == "Alex Morgan-Jones"
    assert people_and_assessments(councillor.council) == (1, 1)
    assert_counts_agree()


def test_a_council_raising_its_minimum_is_left_out_with_no_recount(checklist, council):
    for i in range(3):
        submit_now(make_user(email=f"c{i}@example.org", full_name=f"C {i}", council=council))
    assert national_overview().councils_included == 1

    Council.objects.filter(pk=council.pk).update(group_min_responses=4)

    overview = national_overview()
    assert (overview.councils_included, overview.councils_excluded) == (0, 1)
    assert overview == national_overview_from_answers()


def test_the_database_refuses_a_count_below_zero(checklist, councillor):
    submit_now(councillor)

    with pytest.raises(IntegrityError), transaction.atomic():
        CouncilSubmissions.objects.update(people=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CouncilAnswerCount.objects.update(count=-1)


# --- Always in agreement ---------------------------------------------------------------


def test_the_counts_agree_with_a_full_recount_after_a_mixed_sequence_of_changes(
    checklist, council, other_council, settings
):
    """Submissions, new assessments of the same people, a new checklist version, accounts
    deleted, people moved, the purge and a council's minimum raised: after each, the counts
    are what a full recount gives, and the overview is the one counted from every answer."""
    settings.DATA_RETENTION_DAYS = 365
    people = [
        make_user(
            email=f"p{i}@example.org", full_name=f"P {i}", council=(council, other_council)[i % 2]
        )
        for i in range(8)
    ]
    steps = [
        lambda: [submit_now(p, {"persist": "partly"}) for p in people[:6]],
        lambda: submit_now(people[0], {"persist": "yes"}, again=True),
        lambda: submit_now(people[1], {"encourage-creativity": "not-sure"}, again=True),
        lambda: submit(people[6], checklist, {"persist": "not-yet"}, submitted_at=LONG_AGO),
        lambda: submit(people[2], checklist, submitted_at=LONG_AGO),
        lambda: data_rights.account_delete(user=people[3]),
        lambda: overview_counts.overview_counts_move(person_id=people[4].pk, council_id=council.pk),
        lambda: User.objects.filter(pk=people[4].pk).update(council=council),
        lambda: data_rights.purge_apply(data_rights.purge_plan()),
        lambda: Council.objects.filter(pk=other_council.pk).update(group_min_responses=5),
        lambda: submit_now(people[7], default="not-yet"),
        lambda: data_rights.accounts_delete(accounts=User.objects.filter(pk__in=[people[0].pk])),
    ]
    included = []
    for step in steps:
        step()
        assert_counts_agree()
        included.append(national_overview().councils_included)
    assert max(included) == 2 and included[-1] == 0, included


def test_the_overview_from_the_counts_is_the_overview_from_every_answer(checklist):
    """Many councils, some below the minimum, several assessments each from some people."""
    for c in range(6):
        council = Council.objects.create(name=f"Council {c}", slug=f"council-{c}")
        for i in range(c + 1):
            person = make_user(email=f"p{c}-{i}@example.org", full_name="P", council=council)
            submit(person, checklist, {"persist": ("yes", "partly", "not-yet")[(c + i) % 3]})
            if i % 2:
                submit(person, checklist, default=("partly", "not-sure")[c % 2])

    overview = national_overview()

    assert overview == national_overview_from_answers()
    assert (overview.councils_included, overview.councils_excluded) == (4, 2)


def test_the_migration_counts_what_was_submitted_before_it(checklist, council, councillor):
    from django.apps import apps

    submit(councillor, checklist)
    submit(councillor, checklist, {"persist": "not-yet"})
    CouncilSubmissions.objects.all().delete()
    CouncilAnswerCount.objects.all().delete()
    migration = importlib.import_module("assessments.migrations.0014_overview_counts")

    migration.count_submitted_assessments(apps, None)

    assert people_and_assessments(council) == (1, 2)
    assert_counts_agree()


# --- The rebuild command -----------------------------------------------------------------


def rebuild(*args) -> str:
    out = StringIO()
    call_command("rebuild_overview_counts", *args, stdout=out)
    return out.getvalue()


def test_the_rebuild_command_explains_itself():
    from assessments.management.commands.rebuild_overview_counts import Command

    assert "Recount the national overview" in Command.help
    assert (
        "--dry-run" in Command().create_parser("manage.py", "rebuild_overview_counts").format_help()
    )


def test_the_rebuild_says_when_nothing_needs_changing(checklist, councillor):
    submit_now(councillor)

    assert rebuild() == "The counts agree with the submitted answers: nothing to change.\n"


@pytest.fixture
def counts_gone_wrong(checklist, council, councillor, second_councillor):
    """Two people of Northshire submitted; the kept counts say one, and one answer short."""
    submit_now(councillor, {"persist": "not-yet"})
    submit_now(second_councillor)
    CouncilSubmissions.objects.filter(council=council).update(people=1, assessments=1)
    CouncilAnswerCount.objects.filter(council=council, question__code="persist").delete()
    return council


def test_the_rebuild_dry_run_says_what_differs_and_writes_nothing(counts_gone_wrong):
    output = rebuild("--dry-run")

    assert "Would change Northshire County Council: people who submitted 1 → 2" in output
    assert "assessments 1 → 2, 2 answer counts" in output
    assert "Dry run: nothing was written." in output
    assert people_and_assessments(counts_gone_wrong) == (1, 1)
    assert not overview_counts_agree()


def test_the_rebuild_sets_the_counts_to_the_recount_and_says_what_it_changed(counts_gone_wrong):
    output = rebuild()

    assert "Changed Northshire County Council: people who submitted 1 → 2" in output
    assert "Rebuilt the counts of 1 council." in output
    assert people_and_assessments(counts_gone_wrong) == (2, 2)
    assert answer_count(counts_gone_wrong, "persist", "not-yet") == 1
    assert_counts_agree()
    assert "nothing to change" in rebuild()


def test_the_rebuild_at_verbosity_0_gives_the_summary_alone(counts_gone_wrong):
    out = StringIO()
    call_command("rebuild_overview_counts", verbosity=0, stdout=out)

    assert out.getvalue() == "Rebuilt the counts of 1 council.\n"
    assert people_and_assessments(counts_gone_wrong) == (2, 2)


def test_the_rebuild_fills_counts_from_nothing_and_drops_counts_of_nothing(
    checklist, council, other_council, councillor
):
    submit(councillor, checklist)  # counted by the builder
    CouncilSubmissions.objects.all().delete()
    CouncilAnswerCount.objects.all().delete()
    CouncilSubmissions.objects.create(council=other_council, people=3, assessments=3)

    output = rebuild()

    assert "Changed Northshire County Council: people who submitted 0 → 1" in output
    assert "Changed Southvale District Council: people who submitted 3 → 0" in output
    assert not CouncilSubmissions.objects.filter(council=other_council).exists()
    assert_counts_agree()


def test_the_rebuild_is_one_transaction(counts_gone_wrong, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(CouncilAnswerCount.objects, "bulk_create", fail)

    with pytest.raises(RuntimeError):
        rebuild()

    assert people_and_assessments(counts_gone_wrong) == (1, 1)


def test_the_recount_reads_only_submitted_answers_with_an_option(checklist, councillor):
    submit_now(councillor)
    draft = assessment_start(owner=councillor, from_previous=False)
    answer_all(draft, default="not-yet")
    question = Question.objects.filter(area__checklist=checklist).first()
    draft.answers.filter(question=question).update(option=None)

    recount = overview_counts.overview_counts_recount()

    assert recount.submissions == {councillor.council_id: (1, 1)}
    assert sum(recount.answers.values()) == 20
