"""Which account an outside identity reaches: the linking rules of the contract.

An identity is the pair (issuer, ``sub``), never the e-mail address. An address reaches an existing
account only when the provider is trusted for e-mail, says the address is verified, and the
account's own address is verified: otherwise anybody who can make a provider say an address (a
tenant administrator at Microsoft, a GitHub account with an unverified address: "nOAuth") would
sign in as its owner.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from tokens.adapter import get_adapter
from tokens.conf import token_settings
from tokens.core import clock
from tokens.core.events import record_event
from tokens.exceptions import SocialError
from tokens.lifecycle import services as lifecycle
from tokens.models import AuthEvent
from tokens.operations import metrics
from tokens.social.models import SocialIdentity
from tokens.social.providers import Provider


def _touch(row: SocialIdentity, identity: dict[str, Any]) -> None:
    row.last_used_at = clock.datetime_now()
    row.email = identity["email"][:254]
    row.save(update_fields=["last_used_at", "email"])


def _trusted_address(provider: Provider, identity: dict[str, Any]) -> bool:
    return bool(provider.trust_email and identity["email_verified"] and identity["email"])


def _same_address(stored: str, given: str) -> bool:
    """Whether ``given`` is the mailbox ``stored`` names, differing in ASCII case at most. The
    database's case-insensitive match is wider (PostgreSQL's upper() makes a dotless i, U+0131, an
    I; MySQL's collations ignore accents): a domain spelt with one is another domain, another owner.
    """
    if stored == given:
        return True
    return stored.isascii() and given.isascii() and stored.lower() == given.lower()


def _verified_here(user) -> bool:
    """Whether this project verified the account's address. Without ``tokens.lifecycle``
    (``ACCOUNTS`` off) it keeps no record: an account a social login made from an address nobody
    vouched for would count as verified, and the owner of that address, logging in later, would
    land in it.
    """
    return bool(token_settings.ACCOUNTS) and lifecycle.is_verified(user)


def _new_row(user, provider: Provider, identity: dict[str, Any]) -> SocialIdentity:
    return SocialIdentity.objects.create(
        user=user,
        provider=provider.id,
        issuer=identity["issuer"],
        subject=identity["subject"],
        email=identity["email"][:254],
        last_used_at=clock.datetime_now(),
    )


def find(identity: dict[str, Any]) -> SocialIdentity | None:
    return (
        SocialIdentity.objects.filter(issuer=identity["issuer"], subject=identity["subject"])
        .select_related("user")
        .first()
    )


def account_for_login(request, provider: Provider, identity: dict[str, Any]) -> SocialIdentity:
    """The linked identity that logs in: the one known, one linked now to the account with the
    same trusted address, or a new account's; else ``social_email_conflict`` or
    ``social_signup_closed``, and nothing made or linked.
    """
    row = find(identity)
    if row is not None:
        _touch(row, identity)
        return row
    address = identity["email"]
    if address:
        owners = list(lifecycle.users_with_address(address)[:2])
        if owners:
            owner = owners[0]
            if (
                len(owners) == 1
                and _same_address(lifecycle.address_of(owner), address)
                and _trusted_address(provider, identity)
                and _verified_here(owner)
            ):
                return link(request, provider, identity, owner)
            raise SocialError("social_email_conflict", "an account has this address")
    if not token_settings.SOCIAL_SIGNUP:
        raise SocialError("social_signup_closed")
    return _new_account(request, provider, identity)


def _new_account(request, provider: Provider, identity: dict[str, Any]) -> SocialIdentity:
    adapter = get_adapter()
    trusted = _trusted_address(provider, identity)
    model = get_user_model()
    if model.get_email_field_name() == model.USERNAME_FIELD and not identity["email"]:
        raise SocialError("social_provider_error", "no address to name the account by")
    try:
        with transaction.atomic():
            user = adapter.new_user_from_identity(
                {"email": identity["email"], "name": identity.get("name", "")}
            )
            record_event(AuthEvent.Kind.SIGNED_UP, request, user, detail=f"social: {provider.id}")
            if not trusted and identity["email"] and token_settings.ACCOUNTS:
                # The address is the provider's word only: the account's stays unverified, as after
                # register/, until its owner follows a link (lifecycle's verification mail).
                from tokens.lifecycle.models import EmailVerification

                EmailVerification.objects.create(
                    user=user, purpose=EmailVerification.Purpose.SIGNUP, email=identity["email"]
                )
            row = _new_row(user, provider, identity)
    except IntegrityError:
        # The same identity's first login, made by a concurrent request; or the database's unique
        # address, compared its own way (lower() makes a dotted capital I an i), is another's.
        made = find(identity)
        if made is None:
            raise SocialError("social_email_conflict", "the database holds this address") from None
        return made
    metrics.SOCIAL.labels(provider.id, "signed_up").inc()
    return row


def link(request, provider: Provider, identity: dict[str, Any], user) -> SocialIdentity:
    """Link ``identity`` to ``user`` (already theirs: nothing new); ``social_already_linked`` when
    it is another account's. A new link is an auth event and a notice mailed to the owner.
    """
    row = find(identity)
    if row is not None:
        if row.user_id != user.pk:
            raise SocialError("social_already_linked")
        _touch(row, identity)
        return row
    try:
        with transaction.atomic():
            row = _new_row(user, provider, identity)
            record_event(AuthEvent.Kind.SOCIAL_LINKED, request, user, detail=provider.id)
    except IntegrityError:
        # Linked by another request in between: to whom decides the answer.
        return link(request, provider, identity, user)
    metrics.SOCIAL.labels(provider.id, "linked").inc()
    get_adapter().notify(
        user, "social_linked", {"provider": provider.name, "email": identity["email"]}, request
    )
    return row


def has_other_way_in(user, row: SocialIdentity) -> bool:
    """Whether ``user`` keeps a way in without ``row``: a usable password, a passkey (a login on
    its own), or another linked identity.
    """
    if user.has_usable_password():
        return True
    if SocialIdentity.objects.filter(user=user).exclude(pk=row.pk).exists():
        return True
    if token_settings.SECOND_FACTORS:
        from tokens.mfa.models import Passkey

        return Passkey.objects.filter(user=user).exists()
    return False


def unlink(request, user, pk) -> bool:
    """Remove the user's linked identity ``pk`` (False when the user has none by that id);
    ``last_login_method`` when it is the account's last way in.
    """
    with transaction.atomic():
        # The user's row, locked: two unlinks at once would each count the other's identity as
        # the way in that remains, and leave none.
        get_user_model()._default_manager.select_for_update().filter(pk=user.pk).first()
        row = SocialIdentity.objects.filter(user=user, pk=pk).first()
        if row is None:
            return False
        if not has_other_way_in(user, row):
            raise SocialError("last_login_method")
        row.delete()
        record_event(AuthEvent.Kind.SOCIAL_UNLINKED, request, user, detail=row.provider)
    metrics.SOCIAL.labels(row.provider, "unlinked").inc()
    return True
