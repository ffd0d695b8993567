"""The user of a token: its id and username without SQL, the row only when something else is asked."""

from django.contrib.auth import get_user_model
from django.utils.functional import SimpleLazyObject, empty

from tokens.exceptions import UserInactive


def user_pk(sub: str):
    """The primary key a ``sub`` claim names, in the user model's own type (integer, UUID, ...)."""
    return get_user_model()._meta.pk.to_python(sub)


def pk_json(pk):
    """A primary key as JSON shows it: a number stays a number, anything else (a UUID) is a string."""
    return pk if isinstance(pk, int) else str(pk)


def _load(pk):
    user = get_user_model()._default_manager.filter(pk=pk).first()
    # Refused here too: a user disabled or deleted by raw SQL, which no signal saw.
    if user is None or not getattr(user, "is_active", True):
        raise UserInactive()
    return user


class TokenUser(SimpleLazyObject):
    """``request.user`` for an access token.

    What the token and the session's copy carry (primary key, username, that it is
    authenticated) costs nothing; any other attribute loads the row once, so a view that
    needs only the id pays no SQL and ``me/`` pays one query.
    """

    def __init__(self, sub: str, username: str):
        pk = user_pk(sub)
        super().__init__(lambda: _load(pk))
        model = get_user_model()
        self.__dict__["_carried"] = {
            "pk": pk, model._meta.pk.attname: pk, model.USERNAME_FIELD: username,
            "get_username": lambda: username, "is_authenticated": True, "is_anonymous": False,
        }

    def __getattribute__(self, name):
        state = object.__getattribute__(self, "__dict__")
        if name in state.get("_carried", ()) and state.get("_wrapped", empty) is empty:
            return state["_carried"][name]
        return super().__getattribute__(name)

    def __bool__(self):
        # DRF's IsAuthenticated asks ``bool(request.user)`` first: a user, without loading it.
        return True
