"""Error pages that log what a security review needs and show nothing about the request."""

from django.views.defaults import permission_denied as django_permission_denied

from assessments.audit import log_security_event


def permission_denied(request, exception):
    """handler403: log the refusal, then Django's own view renders templates/403.html (which
    shows nothing of the exception)."""
    log_security_event(request, "permission_denied")
    return django_permission_denied(request, exception)
