from django.urls import path

from tokens import oauth, views
from tokens.lifecycle import views as lifecycle

app_name = "tokens"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("refresh/", views.RefreshView.as_view(), name="refresh"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("logout-all/", views.LogoutAllView.as_view(), name="logout-all"),
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
    path("revoke/", oauth.RevokeView.as_view(), name="revoke"),
    path("introspect/", oauth.IntrospectView.as_view(), name="introspect"),
]
