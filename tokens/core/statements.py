"""SQL the hot paths write out once, instead of the ORM compiling the same query on every call.

Compiling a query with the ORM cost more than running it (the rotation, a miss's read of the
record, ``me/``'s user row): each statement is built once per database and user model.
"""

from collections.abc import Callable

from django.contrib.auth import get_user_model

_BUILT: dict[tuple, str] = {}


def built_once(name: str, connection, build: Callable[..., str]) -> str:
    """The statement ``name``: ``build(connection)`` the first time for this database (alias and
    vendor) and user model, the same text afterwards.
    """
    key = (name, connection.alias, connection.vendor, get_user_model()._meta.label)
    statement = _BUILT.get(key)
    if statement is None:
        statement = _BUILT[key] = build(connection)
    return statement
