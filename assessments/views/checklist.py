"""The blank checklist, public like the leaflet it comes from: a page to print and its PDF."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from assessments import exports
from assessments.blank_checklist import BlankChecklist, published_blank_checklist


def _published() -> BlankChecklist:
    content = published_blank_checklist()
    if content is None:
        raise Http404("No checklist version is published.")
    return content


@login_not_required
@require_safe
def blank_checklist(request):
    return render(request, "assessments/checklist/blank_checklist.html", {"content": _published()})


@login_not_required
@require_safe
def blank_checklist_pdf(request):
    return exports.blank_checklist_pdf_response(_published())
