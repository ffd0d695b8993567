"""The peer's counterpart of the project's ``GET session/``: the session of this access token.

The library has no such endpoint; this view is what a project on it writes, under the library's
default authentication class (``REST_FRAMEWORK`` in bench/peer/settings.py,
``JWTAllAuthAuthentication``: the token's claims, no user row; with the session check on, one
indexed query of its refresh token whitelist). It answers the same four fields as the project's.
"""

from datetime import UTC, datetime

from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView


class SessionView(APIView):
    permission_classes = (IsAuthenticated,)

    def get(self, request):
        token = request.auth
        expires = datetime.fromtimestamp(token["exp"], UTC)
        return Response(
            {
                "session_id": token["session"],
                "user": {"id": request.user.id},
                "access_expires_at": expires,
                "session_expires_at": None,
            }
        )
