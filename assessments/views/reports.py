"""The gap report, its PDF, and the action plan: the owner's own, for submitted assessments."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from assessments import action_plan, exports, permissions, reports
from assessments.audit import log_security_event
from assessments.forms.action_plan import ActionStepForm
from assessments.models import ActionStep, Answer
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


@require_http_methods(["GET", "POST"])
def action_step(request, pk: int, question_code: str):
    assessment = permissions.get_assessment_for_owner(request.user, pk, submitted=True)
    answer = get_object_or_404(
        Answer.objects.select_related("question", "option", "action_step"),
        assessment=assessment,
        question__code=question_code,
    )
    if not reports.answer_is_gap(answer):
        raise Http404("Next steps are planned for gaps only.")
    try:
        step = answer.action_step
    except ActionStep.DoesNotExist:
        step = ActionStep(answer=answer)

    form = ActionStepForm(request.POST or None, instance=step)
    if request.method == "POST" and form.is_valid():
        try:
            action_plan.action_step_save(answer=answer, **form.cleaned_data)
        except action_plan.StaleActionStep as refusal:
            # As on an area page: the page is shown again with what is saved now.
            show_refusal(request, refusal, level=messages.WARNING)
            return redirect(
                "assessments:action_step", pk=assessment.pk, question_code=question_code
            )
        messages.success(request, f"Next step saved for “{answer.question.summary}”.")
        report_url = reverse("assessments:report", args=[assessment.pk])
        return redirect(f"{report_url}#gap-{answer.question.code}")
    return render(
        request,
        "assessments/report/action_step.html",
        {"assessment": assessment, "answer": answer, "form": form, "is_new": step.pk is None},
    )
