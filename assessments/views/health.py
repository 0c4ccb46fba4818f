"""The health check a load balancer or orchestrator polls: is this app server able to serve?"""

import logging
import uuid

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """200 when the default database answers a query, 503 when it does not; the body's second
    line says whether the cache answers ("cache: ok" or "cache: degraded").

    The cache never decides the status: with Redis down every page still works (a cache miss
    renders a PDF in the request, rate limits let requests through), so taking app servers out
    of the load balancer for it would turn a slower service into none.

    Deliberately small: no ORM, no sessions, no templates, so a failure here is about the
    process, the database or the cache, and polling it every few seconds costs next to nothing.
    The body never says why something failed (that goes to the log), so it tells an outsider
    nothing.
    """
    cache_line = "cache: ok" if cache_answers() else "cache: degraded"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return HttpResponse(
            f"database unavailable\n{cache_line}\n", status=503, content_type="text/plain"
        )
    return HttpResponse(f"ok\n{cache_line}\n", content_type="text/plain")


def cache_answers() -> bool:
    """Whether a value written to the cache can be read back. A key of its own each time, so
    that app servers polled at once cannot read each other's; it expires on its own."""
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    return cache.get(key) == "ok"
