from django.urls import path

from tokens import oauth, views

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
    *oauth.urlpatterns,
]
