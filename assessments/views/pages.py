from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from assessments import permissions
from assessments.models import Area, ChecklistVersion


@login_not_required
@require_safe
def start(request):
    checklist = get_object_or_404(
        ChecklistVersion.objects.prefetch_related(
            Prefetch(
                "areas",
                queryset=Area.objects.annotate(key_action_count=Count("questions")).order_by(
                    "order"
                ),
            ),
            "answer_options",
        ),
        status=ChecklistVersion.Status.PUBLISHED,
    )
    areas = checklist.areas.all()
    return render(
        request,
        "assessments/start.html",
        {
            "checklist": checklist,
            "areas": areas,
            "key_action_count": sum(area.key_action_count for area in areas),
            "group_min_responses": settings.GROUP_MIN_RESPONSES,
            "is_councillor": permissions.is_councillor(request.user),
        },
    )


@login_not_required
@require_safe
def accessibility(request):
    return render(request, "assessments/accessibility.html")


@login_not_required
@require_safe
def privacy(request):
    return render(
        request, "assessments/privacy.html", {"group_min_responses": settings.GROUP_MIN_RESPONSES}
    )
