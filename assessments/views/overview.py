"""The national overview: how councils across the country answered, for the service's admins."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_safe

from assessments import officers


@require_safe
def national_overview(request):
    if not request.user.is_staff:
        raise PermissionDenied
    return render(
        request,
        "assessments/overview/overview.html",
        {"overview": officers.national_overview()},
    )
