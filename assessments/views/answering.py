"""
The councillor's dashboard and the journey through the checklist: start, one page per area,
check your answers, submit, and the read-only submitted assessment.

An assessment is only ever shown to its owner: `_get_assessment_for_user` answers 404 for anyone
else's, admins and officers included (individual answers are private to their author).
"""

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments import services
from assessments.forms.answering import AreaAnswersForm, StartForm, SubmitForm
from assessments.models import Answer, AnswerOption, Area, Assessment, Question, Quote
from assessments.views import officers

STALE_MESSAGE = (
    "These answers were changed in another tab or window, so your last changes were not saved. "
    "The answers below are the ones saved now: check them and save again."
)
SUBMITTED_MESSAGE = (
    "This assessment has been submitted, so its answers can no longer be changed. "
    "Start a new assessment to answer again."
)


def _can_answer(user) -> bool:
    """Councillors answer the checklist; officers and admins run the service."""
    return user.is_councillor and not user.is_staff


def _get_assessment_for_user(request, pk: int) -> Assessment:
    return get_object_or_404(Assessment, pk=pk, owner=request.user)


def _areas_of(assessment: Assessment) -> list[Area]:
    """The assessment's areas in order, each with the text of its first quote."""
    first_quote = Quote.objects.filter(area=OuterRef("pk")).order_by("order").values("text")[:1]
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


def _continue_url(assessment: Assessment) -> str:
    """The first area with a question still open, or "Check your answers" when none is."""
    done = set(
        Answer.objects.filter(
            assessment=assessment, option__isnull=False, confirmed=True
        ).values_list("question_id", flat=True)
    )
    for question_id, area_code in (
        Question.objects.filter(area__checklist_id=assessment.checklist_id)
        .order_by("area__order", "order")
        .values_list("pk", "area__code")
    ):
        if question_id not in done:
            return reverse("assessments:area", args=[assessment.pk, area_code])
    return reverse("assessments:check_answers", args=[assessment.pk])


# --- Dashboard and starting ----------------------------------------------------------------


@require_safe
def dashboard(request):
    if not _can_answer(request.user):
        return officers.staff_home(request)

    assessments = list(Assessment.objects.filter(owner=request.user).order_by("-created_at"))
    draft = next((a for a in assessments if a.is_draft), None)
    submitted = sorted(
        (a for a in assessments if a.is_submitted), key=lambda a: a.submitted_at, reverse=True
    )

    # Per-area counts of each answer for every submitted assessment, in one query.
    counts = defaultdict(lambda: defaultdict(list))
    for row in (
        Answer.objects.filter(assessment__in=submitted, option__isnull=False)
        .values(
            "assessment_id",
            "question__area__order",
            "question__area__title",
            "option__order",
            "option__label",
        )
        .annotate(n=Count("pk"))
        .order_by("assessment_id", "question__area__order", "option__order")
    ):
        counts[row["assessment_id"]][row["question__area__title"]].append(
            f"{row['n']} {row['option__label']}"
        )
    for assessment in submitted:
        assessment.area_counts = [(t, ", ".join(c)) for t, c in counts[assessment.pk].items()]

    return render(
        request,
        "assessments/answering/dashboard.html",
        {
            "draft": draft,
            "draft_continue_url": _continue_url(draft) if draft else None,
            "submitted": submitted,
        },
    )


@require_http_methods(["GET", "POST"])
def assessment_start(request):
    """
    Start a new assessment. With a submitted one behind them, people choose whether to start
    from their last answers; otherwise the POST starts a blank one straight away.
    """
    if not _can_answer(request.user):
        raise PermissionDenied
    draft = Assessment.objects.filter(owner=request.user, status=Assessment.Status.DRAFT).first()
    if draft is not None:
        return redirect(_continue_url(draft))

    has_previous = Assessment.objects.filter(
        owner=request.user, status=Assessment.Status.SUBMITTED
    ).exists()
    form = None
    if has_previous:
        form = StartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and (form is None or form.is_valid()):
        assessment = services.assessment_start(
            owner=request.user, from_previous=bool(form and form.from_previous)
        )
        return redirect(_continue_url(assessment))
    return render(request, "assessments/answering/start.html", {"form": form})


# --- Answering -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def area(request, pk: int, area_code: str):
    assessment = _get_assessment_for_user(request, pk)
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

    if saving:
        form = AreaAnswersForm(
            request.POST,
            questions=questions,
            options=options,
            answers={},
            revision=assessment.revision,
        )
        if not form.is_valid():
            areas = _areas_of(assessment)  # the page is shown again: its quote is needed
            return _render_area(request, assessment, areas, position, questions, options)
        try:
            services.assessment_save_area(
                assessment=assessment,
                area=current,
                answers=form.answers(),
                revision=form.cleaned_data["revision"],
            )
        except services.StaleAssessment:
            assessment.refresh_from_db(fields=["status"])
            if not assessment.is_draft:
                messages.error(request, SUBMITTED_MESSAGE)
                return redirect("assessments:assessment_detail", pk=assessment.pk)
            messages.warning(request, STALE_MESSAGE)
            return redirect("assessments:area", pk=assessment.pk, area_code=current.code)
        if not form.saves_and_continues:
            messages.success(
                request, "Your answers have been saved. You can come back to them at any time."
            )
            return redirect("assessments:dashboard")
        if position + 1 < len(areas):
            return redirect(
                "assessments:area", pk=assessment.pk, area_code=areas[position + 1].code
            )
        return redirect("assessments:check_answers", pk=assessment.pk)

    return _render_area(request, assessment, areas, position, questions, options)


def _render_area(request, assessment, areas, position, questions, options):
    """An area's page with the saved answers, and on a POST the errors of what was sent."""
    current = areas[position]
    answers = {
        a.question_id: a
        for a in Answer.objects.filter(assessment=assessment, question__area=current)
    }
    form = AreaAnswersForm(
        request.POST if request.method == "POST" else None,
        questions=questions,
        options=options,
        answers=answers,
        revision=assessment.revision,
    )
    if position:
        back_url = reverse("assessments:area", args=[assessment.pk, areas[position - 1].code])
    else:
        back_url = reverse("assessments:dashboard")
    open_count = sum(status != "answered" for status in form.statuses.values())
    return render(
        request,
        "assessments/answering/area.html",
        {
            "assessment": assessment,
            "area": current,
            "area_number": position + 1,
            "area_count": len(areas),
            "form": form,
            "open_count": open_count,
            "answered_count": len(questions) - open_count,
            "back_url": back_url,
        },
    )


def _sections(assessment: Assessment) -> list[tuple[Area, list[tuple[Question, Answer | None]]]]:
    """Every area of the assessment with its questions and their answers, in leaflet order."""
    answers = {
        a.question_id: a
        for a in Answer.objects.filter(assessment=assessment).select_related("option")
    }
    by_area = defaultdict(list)
    for question in Question.objects.filter(area__checklist_id=assessment.checklist_id).order_by(
        "order"
    ):
        by_area[question.area_id].append((question, answers.get(question.pk)))
    return [(area, by_area[area.pk]) for area in _areas_of(assessment)]


def _render_check_answers(request, assessment, *, form, open_questions=None, status=200):
    sections = _sections(assessment)
    area_codes = {area.pk: area.code for area, _rows in sections}
    errors = [
        (
            item.message,
            reverse("assessments:area", args=[assessment.pk, area_codes[item.question.area_id]])
            + "#"
            + item.question.code,
        )
        for item in open_questions or []
    ]
    return render(
        request,
        "assessments/answering/check_answers.html",
        {"assessment": assessment, "sections": sections, "form": form, "errors": errors},
        status=status,
    )


@require_safe
def check_answers(request, pk: int):
    assessment = _get_assessment_for_user(request, pk)
    if not assessment.is_draft:
        return redirect("assessments:assessment_detail", pk=assessment.pk)
    return _render_check_answers(
        request, assessment, form=SubmitForm(initial={"revision": assessment.revision})
    )


@require_POST
def submit(request, pk: int):
    assessment = _get_assessment_for_user(request, pk)
    if not assessment.is_draft:
        # A double click, or a second tab: the first request did the work.
        return redirect("assessments:assessment_detail", pk=assessment.pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        return _render_check_answers(request, assessment, form=form)
    try:
        assessment = services.assessment_submit(
            assessment=assessment, revision=form.cleaned_data["revision"]
        )
    except services.AssessmentIncomplete as incomplete:
        return _render_check_answers(
            request,
            assessment,
            form=SubmitForm(initial={"revision": assessment.revision}),
            open_questions=incomplete.open_questions,
        )
    except services.StaleAssessment:
        messages.warning(request, STALE_MESSAGE)
        return redirect("assessments:check_answers", pk=assessment.pk)
    messages.success(request, "Your assessment has been submitted")
    return redirect("assessments:assessment_detail", pk=assessment.pk)


@require_safe
def assessment_detail(request, pk: int):
    """A submitted assessment, read-only. A draft has nothing to show yet: check its answers."""
    assessment = _get_assessment_for_user(request, pk)
    if assessment.is_draft:
        return redirect("assessments:check_answers", pk=assessment.pk)
    return render(
        request,
        "assessments/answering/submitted.html",
        {"assessment": assessment, "sections": _sections(assessment)},
    )
