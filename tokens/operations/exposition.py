"""``GET /metrics``: the Prometheus exposition of ``tokens.operations.metrics``, to whom
``METRICS_ACCESS`` allows.

``open``: anyone (restrict it in the network instead); ``bearer``: ``Authorization: Bearer
<METRICS_BEARER_TOKEN>``, compared in constant time; ``staff``: a staff user, signed in to the
admin (its session) or presenting an access token.
"""

import hmac
import os

from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from tokens.authentication import AccessTokenAuthentication, bearer_token
from tokens.conf import token_settings
from tokens.exceptions import www_authenticate
from tokens.negotiation import IgnoreAcceptNegotiation
from tokens.operations import batched_metrics
from tokens.schema import EXPOSITION, OPERATIONS, document, responses

OPEN, BEARER, STAFF = "open", "bearer", "staff"
ACCESS_MODES = (OPEN, BEARER, STAFF)


class MetricsAccess(BasePermission):
    """``METRICS_ACCESS`` decides; an unknown mode (check tokens.E007) is treated as staff."""

    def has_permission(self, request, view):
        mode = token_settings.METRICS_ACCESS
        if mode == OPEN:
            return True
        if mode == BEARER:
            secret, presented = token_settings.METRICS_BEARER_TOKEN, bearer_token(request)
            if not (
                secret and presented and hmac.compare_digest(presented.encode(), secret.encode())
            ):
                raise NotAuthenticated(_("The metrics bearer token is missing or wrong."))
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff)


@method_decorator(never_cache, name="dispatch")
@document(
    "Prometheus metrics (access: METRICS_ACCESS open, bearer or staff)",
    responses(EXPOSITION, 401, 403, 503),
    "get",
    tags=OPERATIONS,
    operation_id="metrics",
)
class MetricsView(APIView):
    """Prometheus text (or OpenMetrics, if asked for) of every process of this server, added up."""

    permission_classes = (MetricsAccess,)
    throttle_classes = ()
    # Errors are JSON whatever Accept says; the exposition's own format is chosen in get().
    renderer_classes = (JSONRenderer,)
    content_negotiation_class = IgnoreAcceptNegotiation

    def get_authenticators(self):
        # Only staff mode authenticates users; a metrics bearer secret is not an access token.
        if token_settings.METRICS_ACCESS == STAFF:
            return [AccessTokenAuthentication(), SessionAuthentication()]
        return []

    def get_authenticate_header(self, request):
        return www_authenticate()

    def get(self, request):
        batched_metrics.fold()  # this process's counts, up to the moment
        registry = REGISTRY  # one process (no PROMETHEUS_MULTIPROC_DIR): its own counters
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
        encode, content_type = choose_encoder(request.META.get("HTTP_ACCEPT", ""))
        return HttpResponse(encode(registry), content_type=content_type)
