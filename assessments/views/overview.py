"""The national overview: how councils across the country answered, for the service's admins."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from assessments import overview, permissions


@require_safe
def national_overview(request):
    permissions.require_admin(request.user)
    return render(
        request,
        "assessments/overview/overview.html",
        {"overview": overview.national_overview()},
    )
