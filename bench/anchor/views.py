"""The anchor's authenticated reads, for the project's me/ and session/ to be measured against.

Both use simplejwt's own authentication classes as a stock project would:

- ``MeView`` under ``JWTAuthentication``: verifies the access token and loads the user (one SQL
  query), then returns the same six profile fields as the project's ``GET me/``, through a
  declared-field serializer as the project's ``ProfileReadSerializer`` does.
- ``StatelessMeView`` under ``JWTStatelessUserAuthentication``: verifies the token and builds a
  ``TokenUser`` from its claims; no database and no Redis, so nothing it accepts can be revoked
  before it expires. It returns ``{id, username}`` from the token.
- ``RedisCheckedMeView``: ``StatelessMeView`` plus the least a revocable read must add, one
  ``HMGET`` through redis-py of a key named by the token's ``jti`` (a revocation list in Redis,
  as a stock project would write it). Not a design anyone ships: the measure of what one round
  trip to Redis costs a read on this machine, next to the same read without it.
"""

import os

import redis
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import (
    JWTAuthentication,
    JWTStatelessUserAuthentication,
)


class ProfileSerializer(serializers.Serializer):
    """The profile fields of the project's ``GET me/``
    (``tokens.serializers.ProfileReadSerializer``).
    """

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)


class MeView(APIView):
    authentication_classes = (JWTAuthentication,)
    permission_classes = (IsAuthenticated,)

    def get(self, request):
        return Response(ProfileSerializer(request.user).data)


class StatelessMeView(APIView):
    authentication_classes = (JWTStatelessUserAuthentication,)
    permission_classes = (IsAuthenticated,)

    def get(self, request):
        user = (
            request.user
        )  # rest_framework_simplejwt.models.TokenUser: the token's claims, no query
        user_id = user.id
        return Response(
            {"id": int(user_id) if str(user_id).isdigit() else user_id, "username": user.username}
        )


_redis = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))


class RedisCheckedMeView(StatelessMeView):
    def get(self, request):
        if _redis.hmget(f"bench:revoked:{request.auth['jti']}", "x")[0] is not None:
            raise AuthenticationFailed("revoked")
        return super().get(request)
