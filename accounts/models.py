from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from tokens.user_queryset import RevokingUserQuerySet


class RevokingUserManager(UserManager):
    """Django's ``UserManager`` whose bulk disable revokes sessions
    (``tokens.user_queryset.RevokingUserQuerySet``).
    """

    def get_queryset(self) -> RevokingUserQuerySet:
        return RevokingUserQuerySet(self.model, using=self._db)


class User(AbstractUser):
    """The project's user: Django's, with e-mail addresses unique regardless of case."""

    objects: ClassVar[RevokingUserManager] = RevokingUserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = (
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="accounts_user_email_ci_unique",
                violation_error_message=_("A user with this e-mail address already exists."),
            ),
        )
