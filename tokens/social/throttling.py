"""The trips to a provider and back, limited per client address: each start keeps a flow in Redis
and each callback makes requests to the provider, so a client cannot make either without end.
"""

from tokens.throttling import LoginIPThrottle


class SocialFlowThrottle(LoginIPThrottle):
    """``social/<id>/login/``, ``link/``, ``reauthenticate/`` and the callback, per client address
    (``THROTTLE_RATES["social_ip"]``), apart from the login attempts of ``login_ip``.
    """

    scope = "social_ip"
