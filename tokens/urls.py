"""Every endpoint of the app, to include under a prefix of the project's choosing."""

from django.urls import path

from tokens import index_views, oauth, views
from tokens.conf import token_settings
from tokens.lifecycle import views as lifecycle
from tokens.mfa import views as mfa

app_name = "tokens"

# (route, view, name), one endpoint a line, in the order of the API contract.
ROUTES = (
    ("login/", views.LoginView, "login"),
    ("refresh/", views.RefreshView, "refresh"),
    ("logout/", views.LogoutView, "logout"),
    ("logout-all/", views.LogoutAllView, "logout-all"),
    ("logout-others/", views.LogoutOthersView, "logout-others"),
    ("sessions/", views.SessionListView, "sessions"),
    ("sessions/<uuid:session_id>/", views.SessionDetailView, "session-detail"),
    ("session/", views.SessionView, "session"),
    ("me/", views.MeView, "me"),
    ("password/", views.PasswordView, "password"),
    ("revoke/", oauth.RevokeView, "revoke"),
    ("introspect/", oauth.IntrospectView, "introspect"),
)

# The account lifecycle's endpoints (``tokens.lifecycle``), served while ``ACCOUNTS`` is on.
ACCOUNT_ROUTES = (
    ("register/", lifecycle.RegisterView, "register"),
    ("email/verify/", lifecycle.VerifyEmailView, "email-verify"),
    ("email/verify/resend/", lifecycle.ResendVerificationView, "email-verify-resend"),
    ("email/change/", lifecycle.EmailChangeView, "email-change"),
    ("password/reset/", lifecycle.PasswordResetView, "password-reset"),
    ("password/reset/check/", lifecycle.PasswordResetCheckView, "password-reset-check"),
    ("password/reset/confirm/", lifecycle.PasswordResetConfirmView, "password-reset-confirm"),
)

# The second factors' endpoints (``tokens.mfa``), served while ``SECOND_FACTORS`` is on;
# ``reauthenticate/`` takes a password without them, and a code or a passkey with them.
SECOND_FACTOR_ROUTES = (
    ("mfa/", mfa.MfaStatusView, "mfa"),
    ("mfa/totp/", mfa.TotpView, "mfa-totp"),
    ("mfa/totp/confirm/", mfa.TotpConfirmView, "mfa-totp-confirm"),
    ("mfa/recovery-codes/", mfa.RecoveryCodesView, "mfa-recovery-codes"),
    ("mfa/passkeys/options/", mfa.PasskeyOptionsView, "mfa-passkey-options"),
    ("mfa/passkeys/", mfa.PasskeyListView, "mfa-passkeys"),
    ("mfa/passkeys/<int:passkey_id>/", mfa.PasskeyDetailView, "mfa-passkey-detail"),
    ("login/mfa/", mfa.LoginMfaView, "login-mfa"),
    ("login/passkey/options/", mfa.PasskeyLoginOptionsView, "login-passkey-options"),
    ("login/passkey/", mfa.PasskeyLoginView, "login-passkey"),
)


# Social login's endpoints (``tokens.social``), served while ``SOCIAL_LOGIN`` is on; imported only
# then, so a project without the app never loads its models.
def social_routes() -> tuple:
    from tokens.social import views as social

    return (
        ("social/providers/", social.ProviderListView, "social-providers"),
        ("social/accounts/", social.SocialAccountListView, "social-accounts"),
        (
            "social/accounts/<int:identity_id>/",
            social.SocialAccountDetailView,
            "social-account-detail",
        ),
        ("social/<str:provider_id>/login/", social.SocialLoginStartView, "social-login-start"),
        ("social/<str:provider_id>/callback/", social.SocialCallbackView, "social-callback"),
        ("social/<str:provider_id>/link/", social.SocialLinkView, "social-link"),
        (
            "social/<str:provider_id>/reauthenticate/",
            social.SocialReauthenticateView,
            "social-reauthenticate",
        ),
        ("login/social/", social.SocialLoginView, "login-social"),
        ("login/social/nonce/", social.SocialNonceView, "login-social-nonce"),
        ("login/social/token/", social.SocialTokenLoginView, "login-social-token"),
    )


REAUTHENTICATION_ROUTES = (("reauthenticate/", mfa.ReauthenticateView, "reauthenticate"),)

urlpatterns = [
    path(route, view.as_view(), name=name)
    for route, view, name in (
        ROUTES
        + (ACCOUNT_ROUTES if token_settings.ACCOUNTS else ())
        + (SECOND_FACTOR_ROUTES if token_settings.SECOND_FACTORS else ())
        + REAUTHENTICATION_ROUTES
        + (social_routes() if token_settings.SOCIAL_LOGIN else ())
    )
]

# ``/api/auth/`` itself: the index of the routes above whose path takes no argument, in the
# contract's order.
index = path(
    "",
    index_views.IndexView.as_view(
        routes=tuple(str(pattern.name) for pattern in urlpatterns if not pattern.pattern.converters)
    ),
    name="index",
)
# Django tries the patterns in order and no two of them match one path, so the reads every
# authenticated client repeats go first: each pattern tried before the match costs the request.
HOT = ("session", "me", "refresh")
urlpatterns = [
    *sorted(urlpatterns, key=lambda pattern: pattern.name not in HOT),
    index,
]
