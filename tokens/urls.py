from django.urls import path

from tokens import oauth, views
from tokens.lifecycle import views as lifecycle
from tokens.mfa import views as mfa_views

app_name = "tokens"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("refresh/", views.RefreshView.as_view(), name="refresh"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("logout-all/", views.LogoutAllView.as_view(), name="logout-all"),
    path("logout-others/", views.LogoutOthersView.as_view(), name="logout-others"),
    path("sessions/", views.SessionListView.as_view(), name="sessions"),
    path("sessions/<uuid:session_id>/", views.SessionDetailView.as_view(), name="session-detail"),
    path("session/", views.SessionView.as_view(), name="session"),
    path("me/", views.MeView.as_view(), name="me"),
    path("password/", views.PasswordView.as_view(), name="password"),
    path("register/", lifecycle.RegisterView.as_view(), name="register"),
    path("email/verify/", lifecycle.VerifyEmailView.as_view(), name="email-verify"),
    path(
        "email/verify/resend/",
        lifecycle.ResendVerificationView.as_view(),
        name="email-verify-resend",
    ),
    path("email/change/", lifecycle.EmailChangeView.as_view(), name="email-change"),
    path("password/reset/", lifecycle.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/confirm/",
        lifecycle.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    *oauth.urlpatterns,
    path("mfa/", mfa_views.MfaStatusView.as_view(), name="mfa"),
    path("mfa/totp/", mfa_views.TotpView.as_view(), name="mfa-totp"),
    path("mfa/totp/confirm/", mfa_views.TotpConfirmView.as_view(), name="mfa-totp-confirm"),
    path("mfa/recovery-codes/", mfa_views.RecoveryCodesView.as_view(), name="mfa-recovery-codes"),
    path(
        "mfa/passkeys/options/",
        mfa_views.PasskeyOptionsView.as_view(),
        name="mfa-passkey-options",
    ),
    path("mfa/passkeys/", mfa_views.PasskeyListView.as_view(), name="mfa-passkeys"),
    path(
        "mfa/passkeys/<int:passkey_id>/",
        mfa_views.PasskeyDetailView.as_view(),
        name="mfa-passkey-detail",
    ),
    path("login/mfa/", mfa_views.LoginMfaView.as_view(), name="login-mfa"),
    path(
        "login/passkey/options/",
        mfa_views.PasskeyLoginOptionsView.as_view(),
        name="login-passkey-options",
    ),
    path("login/passkey/", mfa_views.PasskeyLoginView.as_view(), name="login-passkey"),
    path("reauthenticate/", mfa_views.ReauthenticateView.as_view(), name="reauthenticate"),
]
