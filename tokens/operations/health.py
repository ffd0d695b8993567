"""Liveness and readiness for load balancers and orchestrators: ``/healthz`` and ``/readyz``.

``/healthz`` says the process answers and touches nothing else, so a slow database or Redis
never gets a healthy process restarted. ``/readyz`` says whether this process can serve: the
database answers ``SELECT 1`` within its timeout, so an instance that cannot reach it is taken
out of rotation within about a second. Redis is asked ``PING`` too, through the token store's
circuit breaker; without it the process still serves, from the database alone (``degraded``).
Neither needs credentials, and neither says more than which dependency failed.
"""

import threading
import time

from django.db import DatabaseError, connections
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from tokens.conf import token_settings
from tokens.negotiation import IgnoreAcceptNegotiation
from tokens.schema import (
    NOT_READY,
    OPERATIONS,
    HealthSerializer,
    ReadinessSerializer,
    document,
    responses,
)
from tokens.store import server

DATABASE, REDIS = "database", "redis"

# The 503's sentence, by whether Redis answered: the database did not, in either case.
NOT_READY_DETAIL = {
    True: _("Not ready: the database did not answer in time."),
    False: _("Not ready: the database and Redis did not answer in time."),
}


class _DatabaseProbe:
    """``SELECT 1`` from a daemon thread of its own, so a hung database costs /readyz its timeout
    and no more, and never holds up the process's exit."""

    def __init__(self):
        self.finished = threading.Event()
        self.ok = False
        threading.Thread(target=self._run, name="readyz-database", daemon=True).start()

    def _run(self):
        connection = connections["default"]
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            self.ok = True
        except DatabaseError:
            pass  # not ready: that is the answer
        finally:
            # This thread's own connection: closed, so a broken one is never reused.
            connection.close()
            self.finished.set()

    def answered(self, deadline: float) -> bool:
        return self.finished.wait(max(deadline - time.monotonic(), 0)) and self.ok


# While a probe hangs, later requests wait on it instead of starting another: one stuck thread at
# most.
_probe_lock = threading.Lock()
_probe: _DatabaseProbe | None = None


def _database_probe() -> _DatabaseProbe:
    """The probe in flight, or a new one."""
    global _probe
    with _probe_lock:
        if _probe is None or _probe.finished.is_set():
            _probe = _DatabaseProbe()
        return _probe


class ProbeView(APIView):
    """No authentication, permission or throttle, JSON whatever ``Accept`` says: a probe needs
    nothing.
    """

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()
    renderer_classes = (JSONRenderer,)
    content_negotiation_class = IgnoreAcceptNegotiation


@document(
    "Liveness: the process answers (touches neither the database nor Redis)",
    responses(HealthSerializer),
    "get",
    tags=OPERATIONS,
    operation_id="healthz",
)
class HealthView(ProbeView):
    """200 while the process runs; touches neither the database nor Redis."""

    def get(self, request):
        return Response({"status": "ok"})


@document(
    "Readiness: the database answers within its timeout (status degraded while Redis does not)",
    {200: ReadinessSerializer, 503: NOT_READY},
    "get",
    tags=OPERATIONS,
    operation_id="readyz",
)
class ReadyView(ProbeView):
    """200 when the database answers (``degraded`` without Redis); 503 ``service_unavailable``
    naming what did not answer when the database does not.
    """

    def get(self, request):
        deadline = time.monotonic() + token_settings.READINESS_DATABASE_TIMEOUT
        database = _database_probe()  # runs while Redis is asked
        redis_ok = server.ping()
        if not database.answered(deadline):
            failed = [DATABASE] if redis_ok else [DATABASE, REDIS]
            return Response(
                {
                    "detail": NOT_READY_DETAIL[redis_ok],
                    "code": "service_unavailable",
                    "failed": failed,
                },
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": str(token_settings.SERVICE_UNAVAILABLE_RETRY_AFTER)},
            )
        return Response(
            {
                "status": "ok" if redis_ok else "degraded",
                "checks": {DATABASE: "ok", REDIS: "ok" if redis_ok else "unavailable"},
            }
        )
