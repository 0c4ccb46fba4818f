from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from assessments.models import ChecklistVersion


@login_not_required
@require_safe
def start(request):
    checklist = ChecklistVersion.objects.prefetch_related("areas").get(
        status=ChecklistVersion.Status.PUBLISHED
    )
    return render(request, "assessments/start.html", {"checklist": checklist})


@login_not_required
@require_safe
def accessibility(request):
    return render(request, "assessments/accessibility.html")


@login_not_required
@require_safe
def privacy(request):
    return render(request, "assessments/privacy.html")
