"""
The councillor's dashboard and the journey through the checklist: before you start, the task
list (a draft's home), one page per area, the review of the last plan, check your answers,
submit, the confirmation and the read-only submitted assessment.

Where each button goes, with the task list as home:
- "Start" (dashboard, public start page) leads to "Before you start"; starting lands on the
  task list, and so does "Start" with a draft already in progress.
- "Save and continue" on an area goes to the next area, and from the last one to the task list,
  which shows what is left; from a page opened with "Change" it goes back to "Check your
  answers". "Save and come back later" goes to the task list, saying the answers are saved.
- The dashboard's "Continue" opens the task list.

An assessment is only ever shown to its owner: `permissions.get_assessment_for_owner` answers 404
for anyone else's, admins and officers included (individual answers are private to their author).
"""

from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments import answering, permissions, reports
from assessments.forms.answering import (
    RETURN_FIELD,
    RETURN_TO_CHECK,
    AreaAnswersForm,
    ReturnToForm,
    StartForGroupForm,
    StartForm,
    StepReviewsForm,
    SubmitForm,
    review_field,
)
from assessments.models import (
    ActionStep,
    Answer,
    AnswerOption,
    Area,
    Assessment,
    ChecklistVersion,
    Question,
    Quote,
    StepReview,
)
from assessments.translation import localized
from assessments.views import dashboards, show_refusal

SUBMITTED_MESSAGE = gettext_lazy(
    "This assessment has been submitted, so its answers can no longer be changed. "
    "Start a new assessment to answer again."
)


def _areas_of(assessment: Assessment) -> list[Area]:
    """The assessment's areas in order, each with the text of its first quote."""
    first_quote = (
        Quote.objects.filter(area=OuterRef("pk"))
        .order_by("order")
        .annotate(localized_text=localized("text"))
        .values("localized_text")[:1]
    )
    return list(
        Area.objects.filter(checklist_id=assessment.checklist_id)
        .annotate(quote_text=Subquery(first_quote))
        .order_by("order")
    )


def _area_codes_of(assessment: Assessment) -> list[Area]:
    """The assessment's areas in order, with only what a save and its redirect need."""
    return list(
        Area.objects.filter(checklist_id=assessment.checklist_id)
        .only("code", "checklist_id")
        .order_by("order")
    )


def _with_return(url: str, return_to: str, anchor: str = "") -> str:
    """`url` with `?return=` when the page was opened from "Check your answers"."""
    if return_to:
        url += "?" + urlencode({RETURN_FIELD: return_to})
    return url + (f"#{anchor}" if anchor else "")


def _task_list(assessment: Assessment):
    return redirect("assessments:assessment_detail", pk=assessment.pk)


# --- Dashboard and starting ----------------------------------------------------------------


@require_safe
def dashboard(request):
    if not permissions.is_councillor(request.user):
        return dashboards.staff_home(request)

    assessments = list(
        Assessment.objects.filter(owner=request.user)
        .select_related("group")
        .order_by("-created_at")
    )
    draft = next((a for a in assessments if a.is_draft), None)
    member_groups = answering.member_groups(user=request.user, draft=draft)
    submitted = sorted(
        (a for a in assessments if a.is_submitted), key=lambda a: a.submitted_at, reverse=True
    )

    return render(
        request,
        "assessments/answering/dashboard.html",
        {
            "draft": draft,
            "progress": answering.assessment_progress(assessment=draft) if draft else None,
            "submitted": reports.submitted_summaries(submitted),
            "member_groups": member_groups,
            "groups_to_answer": [g for g in member_groups if g.offer],
            "GroupOffer": answering.GroupOffer,
        },
    )


@require_http_methods(["GET", "POST"])
def assessment_start(request):
    """
    "Before you start": what the assessment asks, how answers are saved and who can see them,
    then the start button. With a submitted one behind them, people choose whether to start
    from their last answers. With a draft in progress, its task list.

    `?group=` starts it for one of the person's groups (the dashboard's "Start your assessment
    for Cabinet"): the draft is linked to the group from the start, and a draft in progress
    that is for no group yet is linked on "Continue". Someone else's group is a 404; a group
    that is no longer collecting answers is refused with a message.
    """
    permissions.require_councillor(request.user)
    for_group = StartForGroupForm(request.GET, user=request.user)
    if not for_group.is_valid():
        raise Http404("Not one of your groups.")
    group = for_group.chosen_group
    draft = Assessment.objects.filter(owner=request.user, status=Assessment.Status.DRAFT).first()
    if draft is not None and group is None:
        return _task_list(draft)

    has_previous = Assessment.objects.filter(
        owner=request.user, status=Assessment.Status.SUBMITTED
    ).exists()
    form = None
    if has_previous and draft is None:
        form = StartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            assessment = answering.assessment_start(
                owner=request.user, from_previous=bool(form and form.from_previous), group=group
            )
        except answering.GroupNotCollecting as refusal:
            show_refusal(request, refusal)
            return redirect("assessments:dashboard")
        return _task_list(assessment)
    if draft is not None:
        # "Continue your assessment for Cabinet" with a draft for no group yet is a POST; a GET
        # here (a bookmark) shows the draft as it is.
        return _task_list(draft)
    areas = list(
        Area.objects.filter(checklist__status=ChecklistVersion.Status.PUBLISHED).order_by("order")
    )
    return render(
        request,
        "assessments/answering/start.html",
        {
            "form": form,
            "areas": areas,
            "group": group,
            "group_min_responses": settings.GROUP_MIN_RESPONSES,
        },
    )


# --- The task list -------------------------------------------------------------------------


def _render_task_list(request, assessment: Assessment):
    progress = answering.assessment_progress(assessment=assessment)
    return render(
        request,
        "assessments/answering/task_list.html",
        {"assessment": assessment, "progress": progress, "TaskStatus": answering.TaskStatus},
    )


# --- Answering -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def area(request, pk: int, area_code: str):
    assessment = permissions.get_assessment_for_owner(request.user, pk)
    if not assessment.is_draft:
        if request.method == "POST":
            messages.error(request, SUBMITTED_MESSAGE)
        return redirect("assessments:assessment_detail", pk=assessment.pk)

    # A save that succeeds only redirects: it needs neither the quotes nor the saved answers,
    # which are loaded below only when the page is shown (a GET, or a POST with errors).
    saving = request.method == "POST"
    areas = _area_codes_of(assessment) if saving else _areas_of(assessment)
    position = next((i for i, a in enumerate(areas) if a.code == area_code), None)
    if position is None:
        raise Http404("No such area in this checklist.")
    current = areas[position]
    questions = list(Question.objects.filter(area=current).order_by("order"))
    options = list(
        AnswerOption.objects.filter(checklist_id=assessment.checklist_id).order_by("order")
    )

    form = AreaAnswersForm(
        request.POST if saving else None,
        questions=questions,
        options=options,
        revision=assessment.revision,
        return_to="" if saving else ReturnToForm(request.GET).return_to,
    )
    if not saving:
        form.show_saved_answers(
            {
                a.question_id: a
                for a in Answer.objects.filter(assessment=assessment, question__area=current)
            },
            answering.reworded_since_last(assessment=assessment, questions=questions),
        )
        return _render_area(request, assessment, areas, position, form, assessment.revision)

    if not form.is_valid():
        # Nothing was saved: the page keeps the revision it was rendered with.
        form.show_posted_answers(
            answering.reworded_since_last(assessment=assessment, questions=questions)
        )
        return _render_area(
            request, assessment, _areas_of(assessment), position, form, form["revision"].value()
        )
    try:
        saved = answering.assessment_save_area(
            assessment=assessment,
            area=current,
            answers=form.answers(),
            revision=form.cleaned_data["revision"],
        )
    except answering.StaleAssessment as refusal:
        assessment.refresh_from_db(fields=["status"])
        if not assessment.is_draft:
            messages.error(request, SUBMITTED_MESSAGE)
            return redirect("assessments:assessment_detail", pk=assessment.pk)
        show_refusal(request, refusal, level=messages.WARNING)
        return redirect(
            _with_return(
                reverse("assessments:area", args=[assessment.pk, current.code]), form.return_to
            )
        )
    if not form.saves_and_continues:
        messages.success(
            request, _("Your answers have been saved. You can come back to them at any time.")
        )
        return _task_list(assessment)
    if form.add_unanswered_errors():
        # "Save and continue" checks the area: what was answered is saved, and the person
        # stays here with the open questions listed. The page now carries the new revision.
        form.show_posted_answers(
            answering.reworded_since_last(assessment=assessment, questions=questions)
        )
        return _render_area(request, saved, _areas_of(assessment), position, form, saved.revision)
    if form.return_to == RETURN_TO_CHECK:
        return redirect("assessments:check_answers", pk=assessment.pk)
    if position + 1 < len(areas):
        return redirect("assessments:area", pk=assessment.pk, area_code=areas[position + 1].code)
    return _task_list(assessment)


def _back_url(assessment: Assessment, return_to: str, previous_page: str | None = None) -> str:
    """Where "Back" goes from a page of the journey: Check your answers when the person came
    from there, else the page before (if any), else the task list."""
    if return_to == RETURN_TO_CHECK:
        return reverse("assessments:check_answers", args=[assessment.pk])
    return previous_page or reverse("assessments:assessment_detail", args=[assessment.pk])


def _render_area(request, assessment, areas, position, form, revision):
    """An area's page, with the statuses the form was given (saved, or as posted)."""
    current = areas[position]
    back_url = _back_url(
        assessment,
        form.return_to,
        reverse("assessments:area", args=[assessment.pk, areas[position - 1].code])
        if position
        else None,
    )
    return render(
        request,
        "assessments/answering/area.html",
        {
            "assessment": assessment,
            "area": current,
            "area_number": position + 1,
            "area_count": len(areas),
            "form": form,
            "revision": revision,
            "return_to": form.return_to,
            "open_count": form.open_count,
            "answered_count": len(form.questions) - form.open_count,
            "back_url": back_url,
        },
    )


# --- The last plan -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def last_plan(request, pk: int):
    """
    "Review your last plan": for each next step of the last submitted assessment, how it went.
    Only a draft that has reviews has this page.
    """
    assessment = permissions.get_assessment_for_owner(request.user, pk)
    if not assessment.is_draft:
        if request.method == "POST":
            messages.error(request, SUBMITTED_MESSAGE)
        return redirect("assessments:assessment_detail", pk=assessment.pk)
    reviews = list(
        StepReview.objects.filter(assessment=assessment).select_related("step__answer__question")
    )
    if not reviews:
        raise Http404("This assessment has no plan to review.")

    saving = request.method == "POST"
    form = StepReviewsForm(
        request.POST if saving else None,
        reviews=reviews,
        revision=assessment.revision,
        return_to="" if saving else ReturnToForm(request.GET).return_to,
    )
    if not saving:
        return _render_last_plan(request, assessment, form, assessment.revision)
    if not form.is_valid():
        return _render_last_plan(request, assessment, form, form["revision"].value())
    try:
        saved = answering.assessment_review_steps(
            assessment=assessment, outcomes=form.outcomes(), revision=form.cleaned_data["revision"]
        )
    except answering.StaleAssessment as refusal:
        assessment.refresh_from_db(fields=["status"])
        if not assessment.is_draft:
            messages.error(request, SUBMITTED_MESSAGE)
            return redirect("assessments:assessment_detail", pk=assessment.pk)
        show_refusal(request, refusal, level=messages.WARNING)
        return redirect(
            _with_return(reverse("assessments:last_plan", args=[assessment.pk]), form.return_to)
        )
    if not form.saves_and_continues:
        messages.success(
            request, _("Your answers have been saved. You can come back to them at any time.")
        )
        return _task_list(assessment)
    if form.add_unanswered_errors():
        return _render_last_plan(request, saved, form, saved.revision)
    if form.return_to == RETURN_TO_CHECK:
        return redirect("assessments:check_answers", pk=assessment.pk)
    return _task_list(assessment)


def _render_last_plan(request, assessment, form, revision):
    return_to = form.return_to
    back_url = _back_url(assessment, return_to)
    return render(
        request,
        "assessments/answering/last_plan.html",
        {
            "assessment": assessment,
            "form": form,
            "revision": revision,
            "return_to": return_to,
            "back_url": back_url,
        },
    )


# --- Check your answers and submit ---------------------------------------------------------


def _sections(
    assessment: Assessment,
) -> list[tuple[Area, list[tuple[Question, Answer | None, answering.RewordedQuestion | None]]]]:
    """Every area of the assessment with its questions, their answers and, for a draft, what
    each question was if it has been reworded since last answered; in leaflet order."""
    answers = {
        a.question_id: a
        for a in Answer.objects.filter(assessment=assessment).select_related("option")
    }
    questions = list(
        Question.objects.filter(area__checklist_id=assessment.checklist_id).order_by("order")
    )
    reworded = (
        answering.reworded_since_last(assessment=assessment, questions=questions)
        if assessment.is_draft
        else {}
    )
    by_area = defaultdict(list)
    for question in questions:
        by_area[question.area_id].append(
            (question, answers.get(question.pk), reworded.get(question.pk))
        )
    return [(area, by_area[area.pk]) for area in _areas_of(assessment)]


def _reviews_of(assessment: Assessment) -> list[StepReview]:
    return list(
        StepReview.objects.filter(assessment=assessment).select_related("step__answer__question")
    )


def _render_check_answers(
    request, assessment, *, form, open_questions=None, open_reviews=None, status=200
):
    sections = _sections(assessment)
    area_codes = {area.pk: area.code for area, _rows in sections}
    errors = [
        (
            item.message,
            _with_return(
                reverse(
                    "assessments:area", args=[assessment.pk, area_codes[item.question.area_id]]
                ),
                RETURN_TO_CHECK,
                item.question.code,
            ),
        )
        for item in open_questions or []
    ]
    last_plan_url = reverse("assessments:last_plan", args=[assessment.pk])
    errors += [
        (
            _("Say how “%(what)s” went") % {"what": review.step.answer.question.summary},
            _with_return(last_plan_url, RETURN_TO_CHECK, review_field(review)),
        )
        for review in open_reviews or []
    ]
    reviews = _reviews_of(assessment)
    return render(
        request,
        "assessments/answering/check_answers.html",
        {
            "assessment": assessment,
            "sections": sections,
            "reviews": [
                (review, _with_return(last_plan_url, RETURN_TO_CHECK, review_field(review)))
                for review in reviews
            ],
            "return_to": RETURN_TO_CHECK,
            "form": form,
            "errors": errors,
        },
        status=status,
    )


@require_safe
def check_answers(request, pk: int):
    assessment = permissions.get_assessment_for_owner(request.user, pk)
    if not assessment.is_draft:
        return redirect("assessments:assessment_detail", pk=assessment.pk)
    return _render_check_answers(
        request, assessment, form=SubmitForm(initial={"revision": assessment.revision})
    )


@require_POST
def submit(request, pk: int):
    assessment = permissions.get_assessment_for_owner(request.user, pk)
    if not assessment.is_draft:
        # A double click, or a second tab: the first request did the work.
        return redirect("assessments:confirmation", pk=assessment.pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        return _render_check_answers(request, assessment, form=form)
    try:
        assessment = answering.assessment_submit(
            assessment=assessment, revision=form.cleaned_data["revision"]
        )
    except answering.AssessmentIncomplete as incomplete:
        return _render_check_answers(
            request,
            assessment,
            form=SubmitForm(initial={"revision": assessment.revision}),
            open_questions=incomplete.open_questions,
            open_reviews=incomplete.open_reviews,
        )
    except answering.StaleAssessment as refusal:
        show_refusal(request, refusal, level=messages.WARNING)
        return redirect("assessments:check_answers", pk=assessment.pk)
    return redirect("assessments:confirmation", pk=assessment.pk)


@require_safe
def confirmation(request, pk: int):
    """
    "Assessment submitted" (the GOV.UK confirmation pattern): what happens next, the report, and
    how to share it or link it to a group. A draft has not been submitted: its task list.
    """
    assessment = permissions.get_assessment_for_owner(request.user, pk)
    if assessment.is_draft:
        return _task_list(assessment)
    # The groups this assessment could still be linked to, or, once it is linked to one, the
    # others still collecting that the person has not submitted for.
    to_answer = [
        g.group
        for g in answering.member_groups(user=request.user, draft=None)
        if g.offer and g.group.pk != assessment.group_id
    ]
    return render(
        request,
        "assessments/answering/confirmation.html",
        {
            "assessment": assessment,
            "linked_group": assessment.group,
            "open_groups": to_answer,
            "focus_limit": ActionStep.FOCUS_LIMIT,
        },
    )


@require_safe
def assessment_detail(request, pk: int):
    """A draft's home, its task list; a submitted assessment, read-only."""
    assessment = permissions.get_assessment_for_owner(request.user, pk)
    if assessment.is_draft:
        return _render_task_list(request, assessment)
    return render(
        request,
        "assessments/answering/submitted.html",
        {"assessment": assessment, "sections": _sections(assessment)},
    )
