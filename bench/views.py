"""The floor: the cheapest DRF view there is, served by the project and by the anchor alike."""

from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class FloorView(APIView):
    """No authentication, no permission, no database: what DRF alone costs per request."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request):
        return Response({"ok": True})
