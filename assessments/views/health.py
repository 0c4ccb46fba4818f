"""The health check a load balancer or orchestrator polls: is this app server able to serve?"""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """200 "ok" when the default database answers a query, 503 when it does not.

    Deliberately small: no ORM, no sessions, no templates, so a failure here is about the
    process or the database, and polling it every few seconds costs next to nothing. The body
    never says why it failed (that goes to the log), so it tells an outsider nothing.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
