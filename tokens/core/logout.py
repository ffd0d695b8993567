"""Log out: end the session of a token a request presents."""

from django.contrib.auth import get_user_model, user_logged_out

from tokens.core.lookup import live_session, verify_presented
from tokens.core.revocation import revoke
from tokens.models import Session
from tokens.users import TokenUser


def logout(request, raw: str) -> None:
    """End the session of a token that ``request`` presents (access or refresh)."""
    token = verify_presented(request, raw)
    copy = live_session(token)
    revoke(Session.objects.filter(pk=token["sid"]), Session.RevokeReason.LOGOUT, request)
    user_logged_out.send(
        sender=get_user_model(), request=request, user=TokenUser(token["sub"], copy.username)
    )
