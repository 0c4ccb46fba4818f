"""The gap report, its PDF, and the action plan: the owner's own, for submitted assessments."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from assessments import action_plan, exports, permissions, reports
from assessments.audit import log_security_event
from assessments.forms.action_plan import ActionStepForm
from assessments.models import ActionStep, Answer, StepReview
from assessments.views import show_refusal


@never_cache
@require_http_methods(["GET", "HEAD"])
def report(request, pk: int):
    assessment = permissions.get_assessment_for_owner(request.user, pk, submitted=True)
    return render(
        request,
        "assessments/report/report.html",
        {"report": reports.build_report(assessment)},
    )


@require_http_methods(["GET", "HEAD"])
def report_pdf(request, pk: int):
    assessment = permissions.get_assessment_for_owner(request.user, pk, submitted=True)
    log_security_event(request, "export", kind="report_pdf", assessment=assessment.pk)
    return exports.report_pdf_response(assessment)


def _gap_answer(assessment, question_code: str) -> Answer:
    """The answer to `question_code` in the owner's assessment, if it is a gap; 404 otherwise."""
    answer = get_object_or_404(
        Answer.objects.select_related("question", "option", "action_step"),
        assessment=assessment,
        question__code=question_code,
    )
    if not reports.answer_is_gap(answer):
        raise Http404("Next steps are planned for gaps only.")
    return answer


def _saved_step(answer: Answer) -> ActionStep:
    try:
        return answer.action_step
    except ActionStep.DoesNotExist:
        raise Http404("This gap has no next step.") from None


def _gap_url(assessment, answer: Answer) -> str:
    return f"{reverse('assessments:report', args=[assessment.pk])}#gap-{answer.question.code}"


@require_http_methods(["GET", "POST"])
def action_step(request, pk: int, question_code: str):
    assessment = permissions.get_assessment_for_owner(request.user, pk, submitted=True)
    answer = _gap_answer(assessment, question_code)
    try:
        step = answer.action_step
    except ActionStep.DoesNotExist:
        step = ActionStep(answer=answer)

    # "Add as a focus action" on the report comes here with the box ticked.
    initial = {"is_focus": True} if request.GET.get("focus") == "1" else {}
    form = ActionStepForm(request.POST or None, instance=step, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            action_plan.action_step_save(answer=answer, **form.cleaned_data)
        except action_plan.StaleActionStep as refusal:
            # As on an area page: the page is shown again with what is saved now.
            show_refusal(request, refusal, level=messages.WARNING)
            return redirect(
                "assessments:action_step", pk=assessment.pk, question_code=question_code
            )
        except action_plan.FocusLimitReached as refusal:
            # The words typed are kept on the form, the refusal beside the box to change (as
            # `show_refusal` does for a form, which it types as a plain Form).
            form.add_error("is_focus", refusal.message)
        else:
            messages.success(
                request,
                _("Next step saved for “%(key_action)s”.")
                % {"key_action": answer.question.summary},
            )
            return redirect(_gap_url(assessment, answer))
    focus_elsewhere = (
        ActionStep.objects.filter(answer__assessment=assessment, is_focus=True)
        .exclude(answer=answer)
        .count()
    )
    return render(
        request,
        "assessments/report/action_step.html",
        {
            "assessment": assessment,
            "answer": answer,
            "form": form,
            "is_new": step.pk is None,
            "focus_full": focus_elsewhere >= ActionStep.FOCUS_LIMIT,
            "focus_limit": ActionStep.FOCUS_LIMIT,
        },
    )


@require_POST
def action_step_unfocus(request, pk: int, question_code: str):
    assessment = permissions.get_assessment_for_owner(request.user, pk, submitted=True)
    answer = _gap_answer(assessment, question_code)
    action_plan.action_step_unfocus(step=_saved_step(answer))
    messages.success(
        request,
        _("“%(key_action)s” is no longer one of your focus actions. Its next step is kept.")
        % {"key_action": answer.question.summary},
    )
    return redirect(_gap_url(assessment, answer))


@require_http_methods(["GET", "POST"])
def action_step_delete(request, pk: int, question_code: str):
    """Deleting loses the words of the step: a page asks first, and the POST deletes."""
    assessment = permissions.get_assessment_for_owner(request.user, pk, submitted=True)
    answer = _gap_answer(assessment, question_code)
    if request.method == "POST":
        try:
            step = answer.action_step
        except ActionStep.DoesNotExist:
            pass  # deleted already (a double click): the result is the same
        else:
            action_plan.action_step_delete(step=step)
        messages.success(
            request,
            _("The next step for “%(key_action)s” is deleted.")
            % {"key_action": answer.question.summary},
        )
        return redirect(_gap_url(assessment, answer))
    return render(
        request,
        "assessments/report/action_step_delete.html",
        {"assessment": assessment, "answer": answer, "step": _saved_step(answer)},
    )


@require_POST
def action_step_carry_over(request, pk: int, review_pk: int):
    assessment = permissions.get_assessment_for_owner(request.user, pk, submitted=True)
    review = get_object_or_404(
        StepReview.objects.select_related("step__answer__question"),
        assessment=assessment,
        pk=review_pk,
    )
    try:
        action_plan.action_step_carry_over(review=review)
    except action_plan.CannotCarryOver as refusal:
        show_refusal(request, refusal)
        return redirect(f"{reverse('assessments:report', args=[assessment.pk])}#last-plan")
    messages.success(
        request,
        _("Carried into your plan. Set when it will be done by, and check the rest still holds."),
    )
    return redirect(
        "assessments:action_step",
        pk=assessment.pk,
        question_code=review.step.answer.question.code,
    )
