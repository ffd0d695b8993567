"""The social login endpoints: providers, the trip to the provider and back, the logins, and the
user's linked identities.

Thin: the flow in ``tokens.social.services``, the rules in ``tokens.social.accounts``, the logins
through the stages of ``tokens.flows`` like a password login.
"""

from collections.abc import Mapping
from functools import partial
from typing import Any

from django.http import HttpResponseRedirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from tokens import flows, schema
from tokens.conf import token_settings
from tokens.exceptions import SocialError, TokenInvalid
from tokens.operations import metrics
from tokens.permissions import RecentAuthentication
from tokens.schema import ErrorSerializer, responses
from tokens.serializers import LoginResponseSerializer
from tokens.social import accounts, flow, providers, services
from tokens.social.doors import SocialDoor
from tokens.social.models import SocialIdentity
from tokens.social.providers import GITHUB, Provider
from tokens.social.serializers import (
    AuthorizationUrlSerializer,
    NextSerializer,
    NonceSerializer,
    ProviderSerializer,
    SocialIdentitySerializer,
    SocialLoginSerializer,
    SocialTokenSerializer,
)
from tokens.social.throttling import SocialFlowThrottle
from tokens.throttling import LoginIPThrottle
from tokens.views import AuthAPIView, TokenEndpoint

document = partial(schema.document, tags=schema.SOCIAL)

REDIRECT = {302: OpenApiResponse(description="To the provider, or back to next.")}
PROVIDER_ERROR = {
    502: OpenApiResponse(
        ErrorSerializer, description="social_provider_error: the provider's discovery is unusable."
    )
}


def provider_or_404(provider_id: str) -> Provider:
    provider = providers.get(provider_id)
    if provider is None:
        raise NotFound(_("No such provider."))
    return provider


def count(provider_id: str, response: Response) -> Response:
    """The login's outcome in ``auth_social_total``, by provider."""
    outcome = "succeeded" if response.status_code == 200 else response.data.get("code", "refused")
    metrics.SOCIAL.labels(provider_id, outcome).inc()
    return response


@document("The providers that are on", responses(ProviderSerializer(many=True), 503), "get")
class ProviderListView(TokenEndpoint):
    """The providers that are on: ``[{"id", "name"}]``."""

    renderer_classes = (JSONRenderer,)

    def get(self, request):
        return Response([{"id": p.id, "name": p.name} for p in providers.configured().values()])


@document(
    "Go to the provider (a flow bound to this browser)",
    {**REDIRECT, **responses({}, 400, 404, 429, 503), **PROVIDER_ERROR},
    "get",
)
class SocialLoginStartView(TokenEndpoint):
    """302 to the provider's login page, with ``state``, ``nonce`` and a PKCE challenge."""

    throttle_classes = (SocialFlowThrottle,)

    def get(self, request, provider_id):
        provider = provider_or_404(provider_id)
        url, secret = services.start(
            request, provider, services.LOGIN, request.query_params.get("next")
        )
        response = HttpResponseRedirect(url)
        flow.set_flow_cookie(response, secret)
        return response


@method_decorator(never_cache, name="dispatch")
@document(
    "Back from the provider: to next with #code=, #linked= or #error=",
    {**REDIRECT, **responses({}, 400, 404, 429, 503)},
    "get",
)
@document(
    "Back from the provider (form_post)",
    {**REDIRECT, **responses({}, 400, 404, 429, 503)},
    "post",
)
class SocialCallbackView(TokenEndpoint):
    """Where the provider sends the browser back (GET, or POST for ``response_mode=form_post``):
    a cross-site POST by design, trusted only through the ``state`` and the flow's cookie.
    """

    throttle_classes = (SocialFlowThrottle,)

    def get(self, request, provider_id):
        return self.finish(request, provider_id, request.query_params)

    def post(self, request, provider_id):
        # A JSON body that is no object (a list, a number) has no fields: no state either.
        fields = request.data if isinstance(request.data, Mapping) else {}
        return self.finish(request, provider_id, fields)

    def finish(self, request, provider_id, params):
        provider = provider_or_404(provider_id)
        try:
            target = services.callback(request, provider, dict(params.items()))
        except SocialError as exc:
            # No trusted next: a browser goes to the site's page, a client gets the error.
            if "text/html" in request.META.get("HTTP_ACCEPT", ""):
                return HttpResponseRedirect(
                    flow.with_fragment(token_settings.SITE_URL, error=exc.code)
                )
            raise
        # The flow cookie stays until it expires: a flow in another tab may still need it.
        return HttpResponseRedirect(target)


@document(
    "Log in with a social login's one-time code",
    responses(LoginResponseSerializer, "400-code", 401, 403, 429, 503),
)
class SocialLoginView(TokenEndpoint):
    """Trade the callback's login code for a token pair, as ``login/`` answers."""

    throttle_classes = (LoginIPThrottle,)
    renderer_classes = (JSONRenderer,)
    serializer_class = SocialLoginSerializer
    # It opens a session: another site's page must not make a browser log in (login CSRF).
    same_site_only = True

    def post(self, request):
        door = SocialDoor(code=self.valid_serializer(request).validated_data["code"])
        response = flows.login(request, door)
        return count(door.provider_id, response)


@document(
    "A nonce for a native app's provider SDK (single use, 10 minutes)",
    responses(NonceSerializer, 429, 503),
)
class SocialNonceView(TokenEndpoint):
    throttle_classes = (LoginIPThrottle,)

    def post(self, request):
        return Response({"nonce": flow.issue_nonce()})


@document(
    "Log in with an ID token a native app got itself",
    responses(LoginResponseSerializer, 400, 401, 403, 429, 503),
)
class SocialTokenLoginView(TokenEndpoint):
    """A native app's ID token, checked as at the callback, with a nonce of ``nonce/``."""

    throttle_classes = (LoginIPThrottle,)
    serializer_class = SocialTokenSerializer
    same_site_only = True

    def post(self, request):
        data = self.valid_serializer(request).validated_data
        provider = providers.get(data["provider"])
        if provider is None or provider.kind == GITHUB:
            raise TokenInvalid()
        row = services.native_account(request, provider, data["id_token"], data["nonce"])
        response = flows.login(request, SocialDoor(user_pk=row.user_id, provider_id=provider.id))
        return count(provider.id, response)


@method_decorator(never_cache, name="dispatch")
@document(
    "The user's linked identities",
    responses(SocialIdentitySerializer(many=True), 401, 403, 503),
    "get",
)
class SocialAccountListView(AuthAPIView):
    def get_queryset(self):
        owner: Any = self.request.user
        return SocialIdentity.objects.filter(user=owner).order_by("created_at", "pk")

    def get(self, request):
        return Response(SocialIdentitySerializer(self.get_queryset(), many=True).data)


@method_decorator(never_cache, name="dispatch")
@document(
    "Unlink one of the user's identities; recent authentication",
    responses(204, 400, 401, "403-recent", 404, 503),
    "delete",
)
class SocialAccountDetailView(AuthAPIView):
    permission_classes = (IsAuthenticated, RecentAuthentication)

    def delete(self, request, identity_id):
        if not accounts.unlink(request, request.user, identity_id):
            raise NotFound(_("No such linked identity."))
        return Response(status=status.HTTP_204_NO_CONTENT)


class _SignedInFlowView(AuthAPIView):
    """A flow a signed-in user starts: the URL to open in the browser, and its cookie."""

    serializer_class = NextSerializer
    throttle_classes = (SocialFlowThrottle,)
    purpose = ""

    def post(self, request, provider_id):
        provider = provider_or_404(provider_id)
        next_url = self.valid_serializer(request).validated_data.get("next")
        url, secret = services.start(
            request,
            provider,
            self.purpose,
            next_url,
            user=str(request.user.pk),
            sid=str(request.auth["sid"]),
        )
        response = Response({"authorization_url": url})
        flow.set_flow_cookie(response, secret)
        return response


@method_decorator(never_cache, name="dispatch")
@document(
    "Start linking an identity; recent authentication",
    {
        **responses(AuthorizationUrlSerializer, 400, 401, "403-recent", 404, 429, 503),
        **PROVIDER_ERROR,
    },
)
class SocialLinkView(_SignedInFlowView):
    permission_classes = (IsAuthenticated, RecentAuthentication)
    purpose = services.LINK


@method_decorator(never_cache, name="dispatch")
@document(
    "Start re-authenticating through a provider",
    {**responses(AuthorizationUrlSerializer, 400, 401, 403, 404, 429, 503), **PROVIDER_ERROR},
)
class SocialReauthenticateView(_SignedInFlowView):
    purpose = services.REAUTH
