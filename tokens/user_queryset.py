"""The user queryset whose bulk disable revokes the users' sessions, for any user model whose
manager uses it.
"""

from django.db import models, transaction

from tokens.store import local_copy


class RevokingUserQuerySet(models.QuerySet):
    """A user queryset whose bulk disable revokes the users' sessions, as ``save()`` does.

    ``QuerySet.update()`` sends no signal, so ``tokens.signals`` cannot see it: give the user
    model's manager this queryset (``UserManager.from_queryset(RevokingUserQuerySet)``).
    ``delete()`` needs nothing: it sends ``pre_delete`` for every user, which the app answers.
    """

    def update(self, **kwargs):
        # Every process keeps a local copy of the rows it loads: tell them all, as save() does.
        changed = list(self.values_list("pk", flat=True))
        try:
            return self._update_and_revoke(**kwargs)
        finally:
            local_copy.users_changed(changed, self.db)

    def _update_and_revoke(self, **kwargs):
        if "is_active" not in kwargs or kwargs["is_active"]:
            return super().update(**kwargs)
        # Imported when used: the user model's module imports this one while the app registry is
        # still loading models, and the session layer needs the registry ready.
        from tokens.core.events import record_event
        from tokens.core.revocation import revoke_all
        from tokens.models import AuthEvent, Session

        with transaction.atomic(using=self.db):
            disabled = list(self.filter(is_active=True))
            revoke_all(self, Session.RevokeReason.USER_DISABLED)
            updated = super().update(**kwargs)
            for user in disabled:
                record_event(AuthEvent.Kind.USER_DISABLED, None, user)
        return updated
