"""``/api/auth/`` itself: an index of the app's endpoints, as DRF's ``DefaultRouter`` answers at
its root, instead of a 404."""

from collections.abc import Sequence

from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import OpenApiResponse
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response

from tokens.schema import OPERATIONS, document
from tokens.views import AuthAPIView

INDEX = OpenApiResponse(
    {
        "type": "object",
        "additionalProperties": {"type": "string", "format": "uri"},
        "example": {"login": "http://localhost:8000/api/auth/login/"},
    },
    description="Each endpoint that takes no argument in its path: its name and absolute URL.",
)


@document("The endpoints of this API, by name", {200: INDEX}, "get", tags=OPERATIONS)
class IndexView(AuthAPIView):
    """Every endpoint of the app whose path takes no argument, by its URL name, as an absolute
    URL; browsable in DRF's browsable API. Nothing secret: no token needed, and none looked at (a
    revoked or malformed one does not turn the index into a 401).
    """

    authentication_classes: Sequence[type[BaseAuthentication]] = ()
    permission_classes: Sequence[type[BasePermission]] = (AllowAny,)
    # The URL names listed, in the contract's order; given by the URLconf that serves the index.
    routes: Sequence[str] = ()

    def get(self, request):
        match = request.resolver_match
        prefix = f"{match.namespace}:" if match and match.namespace else ""
        index = {}
        for name in self.routes:
            try:
                index[name] = request.build_absolute_uri(reverse(prefix + name))
            except NoReverseMatch:  # pragma: no cover - a route the URLconf serves reverses
                continue
        return Response(index)
