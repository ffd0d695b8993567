"""One login attempt, as the stages see it: who asks, through which door, what is proven so far."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rest_framework.response import Response

from tokens.core import claims
from tokens.core.issuing import TokenPair
from tokens.lifecycle import services as lifecycle
from tokens.mfa import enrolment, factors
from tokens.operations import metrics
from tokens.throttling import Subject

if TYPE_CHECKING:
    from tokens.flows.doors import Door


@dataclass
class LoginAttempt:
    """A login (or a re-authentication) while the stages run: each stage reads and adds to it."""

    # The request of the door (a DRF request, or Django's for the admin's form).
    request: Any
    # The way in: how it names the user and checks the secret (``tokens.flows.doors``).
    door: "Door"
    # What wrong guesses are counted against, once the door has named it.
    subject: Subject | None = None
    # The user, once known (by the door, or by the secret).
    user: Any = None
    # The RFC 8176 methods proven, in order (``tokens.core.claims``).
    amr: list[str] = field(default_factory=list)
    # The outside identity provider a social login began at (its id), kept with the session it
    # opens, through a second factor's step too; "" for any other login.
    provider: str = ""
    # The session opened (or, re-authenticating, refreshed) and its device fingerprint.
    pair: TokenPair | None = None
    fingerprint: str | None = None
    # Whether the owner is told of a login from a new browser.
    new_device: bool = False
    # The answer being built; a stage that hands back its own ends the attempt with it.
    response: Response | None = None
    _second_factor: bool | None = field(default=None, repr=False)
    _may_log_in: bool | None = field(default=None, repr=False)

    def has_second_factor(self) -> bool:
        """Whether the user has a second factor enrolled (one query, asked once per attempt)."""
        if self._second_factor is None:
            self._second_factor = factors.has_second_factor(self.user)
        return self._second_factor

    def may_log_in(self) -> bool:
        """Whether the account's address lets it in (``lifecycle.may_log_in``: one query, asked
        once per attempt; the password's guard and the account's stage both ask).
        """
        if self._may_log_in is None:
            self._may_log_in = lifecycle.may_log_in(self.user)
        return self._may_log_in

    def needs_enrolment(self) -> bool:
        """Whether ``MFA_REQUIRED`` holds the user back until a first second factor is enrolled:
        in scope, none proven in this attempt, none enrolled.
        """
        return (
            enrolment.in_scope(self.user)
            and not claims.SECOND_FACTORS.intersection(self.amr)
            and not self.has_second_factor()
        )

    def count(self, event: str) -> None:
        """Count ``event`` in ``auth_logins_total`` under the door's outcome for it, if any."""
        outcome = self.door.outcomes.get(event)
        if outcome is not None:
            metrics.LOGINS.labels(outcome).inc()
