from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Lower


class UserQuerySet(models.QuerySet):
    """Bulk changes that disable users revoke their sessions, as ``save()`` does (tokens.signals).

    ``QuerySet.update()`` sends no signal, so it is caught here; ``delete()`` sends
    ``pre_delete`` for every user, which the tokens app already answers.
    """

    def update(self, **kwargs):
        if "is_active" not in kwargs or kwargs["is_active"]:
            return super().update(**kwargs)
        from tokens import (
            services,  # the tokens app imports models of its own: import it when used
        )
        from tokens.models import AuthEvent, Session

        with transaction.atomic(using=self.db):
            users = self.values("pk")
            disabled = list(self.filter(is_active=True))
            services.revoke(Session.objects.filter(user__in=users), Session.RevokeReason.USER_DISABLED)
            updated = super().update(**kwargs)
            for user in disabled:
                services.record_event(AuthEvent.Kind.USER_DISABLED, None, user)
        return updated


class RevokingUserManager(UserManager.from_queryset(UserQuerySet)):
    """Django's ``UserManager`` over ``UserQuerySet``."""


class User(AbstractUser):
    """The project's user: Django's, with e-mail addresses unique regardless of case."""

    objects = RevokingUserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = (
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="accounts_user_email_ci_unique",
                violation_error_message="A user with this e-mail address already exists.",
            ),
        )
