"""The Django (admin) sessions of each user (``tokens.admin_sessions``)."""

from django.conf import settings
from django.db import models

from tokens.core import clock


class AdminSession(models.Model):
    """A session of Django's own login (the admin's) and its user, recorded when the user signs
    in, so that ending all of a user's sessions ends these too without scanning every session
    (``tokens.admin_sessions``).
    """

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="admin_sessions"
    )
    created_at = models.DateTimeField(default=clock.datetime_now)

    def __str__(self):
        return f"admin session of {self.user_id} since {self.created_at:%Y-%m-%d %H:%M:%S}"
