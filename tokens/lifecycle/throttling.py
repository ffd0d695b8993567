"""Limits on mail: per client address (a DRF throttle, 429) and per target address (silent).

The per-address limit never answers differently: past it the request gets the same answer and
no mail goes out, so it tells nothing about whether the address has an account. Security
notices (``tokens.lifecycle.mail.notify``) are not counted here at all.
"""

from tokens.conf import token_settings
from tokens.store import counters, redis_keys
from tokens.store.redis_keys import name_digest
from tokens.throttling import LoginIPThrottle

# The scope of mails to one address (``THROTTLE_RATES``), counted whatever the client.
ADDRESS_SCOPE = "mail_address"


class MailIPThrottle(LoginIPThrottle):
    """Requests that send mail, per client address: 429 ``throttled`` past the rate."""

    scope = "mail_ip"


def canonical(address: str) -> str:
    """The mailbox an address reaches: case and outer blanks ignored, a ``+tag`` dropped from the
    local part (``A+news@X.com`` and ``a@x.com`` are one mailbox at most providers).
    """
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return domain
    return f"{local.split('+', 1)[0]}@{domain}"


def address_allows(address: str) -> bool:
    """Count one mail to ``address``; False once its mailbox's window holds more than the rate
    allows.

    Counted under a digest of the canonical address, so +tag and case variants share one count
    and no address is written into Redis.
    """
    rate = token_settings.THROTTLE_RATES.get(ADDRESS_SCOPE)
    if rate is None:
        return True
    limit, window = MailIPThrottle().parse_rate(rate)
    if limit is None or window is None:
        return True
    count, _ = counters.hit(
        redis_keys.throttle(ADDRESS_SCOPE, name_digest(canonical(address))), window
    )
    return count <= limit
