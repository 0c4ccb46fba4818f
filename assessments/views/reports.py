"""The gap report, its PDF, and the action plan: the owner's own, for submitted assessments."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from assessments import pdf, reports, scoring
from assessments.audit import log_security_event
from assessments.forms.action_plan import ActionStepForm
from assessments.models import ActionStep, Answer, AnswerOption, Assessment


def _get_submitted_assessment_for_owner(request, pk: int) -> Assessment:
    """The signed-in user's own submitted assessment; 404 for drafts and anyone else's."""
    return get_object_or_404(reports.submitted_assessments(), pk=pk, owner=request.user)


@never_cache
@require_http_methods(["GET", "HEAD"])
def report(request, pk: int):
    assessment = _get_submitted_assessment_for_owner(request, pk)
    return render(
        request,
        "assessments/report/report.html",
        {"report": reports.build_report(assessment)},
    )


@never_cache
@require_http_methods(["GET", "HEAD"])
def report_pdf(request, pk: int):
    assessment = _get_submitted_assessment_for_owner(request, pk)
    log_security_event(request, "export", kind="report_pdf", assessment=assessment.pk)
    response = HttpResponse(pdf.report_pdf(assessment), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.report_filename(assessment)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def action_step(request, pk: int, question_code: str):
    assessment = _get_submitted_assessment_for_owner(request, pk)
    answer = get_object_or_404(
        Answer.objects.select_related("question", "option", "action_step"),
        assessment=assessment,
        question__code=question_code,
    )
    points = AnswerOption.objects.filter(checklist_id=assessment.checklist_id).values_list(
        "points", flat=True
    )
    max_points = max((p for p in points if p is not None), default=0)
    if answer.option is None or not scoring.is_gap(answer.option.points, max_points):
        raise Http404("Next steps are planned for gaps only.")
    try:
        step = answer.action_step
    except ActionStep.DoesNotExist:
        step = ActionStep(answer=answer)

    form = ActionStepForm(request.POST or None, instance=step)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Next step saved for “{answer.question.summary}”.")
        report_url = reverse("assessments:report", args=[assessment.pk])
        return redirect(f"{report_url}#gap-{answer.question.code}")
    return render(
        request,
        "assessments/report/action_step.html",
        {"assessment": assessment, "answer": answer, "form": form, "is_new": step.pk is None},
    )
