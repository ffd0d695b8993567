"""TOTP (RFC 6238): SHA-1, 6 digits, 30-second steps, through pyotp; QR codes through segno."""

import io

import pyotp
import segno

from tokens.core import clock

DIGITS, INTERVAL = 6, 30
# Codes of one step before and after the current one count too: clocks drift (RFC 6238 §5.2).
DRIFT_STEPS = 1


def new_secret() -> str:
    """A random base32 secret of 160 bits, the length RFC 4226 §4 recommends."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI authenticator apps read (Google's Key Uri Format)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=account, issuer_name=issuer or None
    )


def qr_svg(uri: str) -> str:
    """``uri`` as a QR code: an inline SVG element, ready to put into a page."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", xmldecl=False, scale=4, border=2)
    return buffer.getvalue().decode()


def matching_step(secret: str, code: str, after: int = 0) -> int | None:
    """The time step (later than ``after``) whose code ``code`` is, within the drift allowed."""
    if not (len(code) == DIGITS and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    now_step = clock.now() // INTERVAL
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if step > after and pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def use(factor, code: str) -> bool:
    """Accept ``code`` for the active ``factor``: its step is remembered, so a code counts once.

    The step is recorded by a conditional UPDATE, so of two requests with the same code only one
    wins, whichever worker runs them.
    """
    step = matching_step(factor.secret, code, factor.last_step) if factor.secret else None
    if step is None:
        return False
    won = (
        type(factor)
        ._default_manager.filter(pk=factor.pk, last_step__lt=step)
        .update(last_step=step)
    )
    if won:
        factor.last_step = step
    return bool(won)
