"""Users as the tokens app sees them.

``TokenUser``: the user of an access token, its id and username without SQL, the row only when
something else is asked; the primary key a ``sub`` claim names; the account a login name finds.
"""

import time
from functools import lru_cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections
from django.utils.functional import SimpleLazyObject, empty

from tokens.conf import django_setting, token_settings
from tokens.core.database import retry_read
from tokens.core.statements import built_once
from tokens.exceptions import UserInactive
from tokens.store import local_copy, redis_keys


@lru_cache(maxsize=4)
def _model_names(label: str) -> tuple[Any, str, str]:
    """The user model's primary key field, its attribute name and ``USERNAME_FIELD``, looked up
    once per ``AUTH_USER_MODEL`` (every token-checked request needs them; the app registry's
    lookup costs more than the rest of building ``request.user``).
    """
    model = get_user_model()
    return model._meta.pk, model._meta.pk.attname, model.USERNAME_FIELD


def user_pk(sub: str) -> Any:
    """The primary key a ``sub`` claim names, in the user model's own type (integer, UUID, ...)."""
    return _model_names(django_setting("AUTH_USER_MODEL"))[0].to_python(sub)


def pk_json(pk: Any) -> int | str:
    """A primary key as JSON shows it: a number stays a number, anything else (UUID) a string."""
    return pk if isinstance(pk, int) else str(pk)


def _load(pk):
    """The user's row: from the process-local copy when it holds it, else one query (kept)."""
    model = get_user_model()
    manager = model._default_manager
    key = redis_keys.user_version(pk)
    kept = local_copy.get(key, "user")
    if kept is not local_copy.MISSING:
        db, values = kept
        # A new instance each time: a view may change the one it is given.
        return model.from_db(db, _attnames(model), values)

    def read():
        connection = connections[manager.db]
        statement = built_once("user by primary key", connection, _select_by_pk)
        found = manager.raw(statement, [model._meta.pk.get_db_prep_value(pk, connection)])
        return next(iter(found), None)

    read_in = local_copy.generation()
    user = retry_read(read, manager.db)
    # Refused here too: a user disabled or deleted by raw SQL, which no signal saw.
    if user is None or not getattr(user, "is_active", True):
        raise UserInactive()
    if read_in is not None:
        values = tuple(getattr(user, field.attname) for field in model._meta.concrete_fields)
        until = time.time() + token_settings.ACCESS_TOKEN_LIFETIME
        local_copy.put(key, (user._state.db, values), until, read_in)
    return user


def _attnames(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _select_by_pk(connection) -> str:
    """``SELECT <every column> FROM <users> WHERE <pk> = %s``.

    A raw query costs a third of what ``filter(pk=...).first()`` does, most of which is the
    ORM compiling the same query again on every request (``me/`` pays it on the hot path).
    """
    quote, meta = connection.ops.quote_name, get_user_model()._meta
    columns = ", ".join(quote(field.column) for field in meta.concrete_fields)
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"


def find_by_login_name(name: str):
    """The account a login name counts for: an e-mail address (a name with ``@``) by the model's
    e-mail field, else the natural key (``USERNAME_FIELD``), the exact one first; case ignored
    throughout. None when no account has it.

    Limits on guessing count per account (``tokens.throttling``). A name that differs from an
    account's only in case is a guess at that account all the same; counted apart, the two
    names' answers would tell whether the account exists (a name nobody has is counted with its
    case ignored).
    """
    model = get_user_model()
    manager = model._default_manager
    name = name.strip()
    email_field = model.get_email_field_name()
    if "@" in name and any(field.name == email_field for field in model._meta.concrete_fields):
        user = manager.filter(**{f"{email_field}__iexact": name}).order_by("pk").first()
        if user is not None:
            return user
    try:
        return manager.get_by_natural_key(name)
    except model.DoesNotExist:
        return manager.filter(**{f"{model.USERNAME_FIELD}__iexact": name}).order_by("pk").first()


class TokenUser(SimpleLazyObject):
    """``request.user`` for an access token.

    What the token and the session's copy carry (primary key, username, that it is
    authenticated) costs nothing; any other attribute loads the row once, so a view that
    needs only the id pays no SQL and ``me/`` pays one query.
    """

    def __init__(self, sub: str, username: str):
        pk_field, pk_attname, username_field = _model_names(django_setting("AUTH_USER_MODEL"))
        pk = pk_field.to_python(sub)
        # What SimpleLazyObject.__init__ sets, set in the instance's dictionary directly: each
        # ``self.__dict__`` there would pass through this class's __getattribute__ and
        # LazyObject's, an exception raised and caught each time, three per request.
        state = object.__getattribute__(self, "__dict__")
        state["_setupfunc"] = lambda: _load(pk)
        state["_wrapped"] = empty
        state["_carried"] = {
            "pk": pk,
            pk_attname: pk,
            username_field: username,
            "get_username": lambda: username,
            "is_authenticated": True,
            "is_anonymous": False,
        }

    def __getattribute__(self, name):
        state = object.__getattribute__(self, "__dict__")
        if name in state.get("_carried", ()) and state.get("_wrapped", empty) is empty:
            return state["_carried"][name]
        return super().__getattribute__(name)

    def __bool__(self):
        # DRF's IsAuthenticated asks ``bool(request.user)`` first: a user, without loading it.
        return True
