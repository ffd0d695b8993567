"""A request id for every request: the caller's ``X-Request-ID`` when it is sane, else a new one.

The id is kept in a context variable while the request runs, so a line logged anywhere within it
(an auth event recorded by a signal receiver, say) names its request, and it is sent back in the
response's ``X-Request-ID`` so a client or a proxy can quote it.
"""

import random
import re
from contextvars import ContextVar

HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"
# A caller's id is kept when it is short and plain; anything else (spaces, quotes, control
# characters, kilobytes) is replaced, so it can neither forge log structure nor bloat it.
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def current() -> str | None:
    """The id of the request being served, or None outside a request (a management command)."""
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # From META: request.headers builds a dictionary of every header on first use.
        given = request.META.get(_META_KEY, "")
        # 32 random hex digits, as uuid4().hex gives, from the process's Mersenne Twister: an id
        # names a request in the logs and guards nothing, so it needs to be unique, not
        # unpredictable, and a system call per request (os.urandom) buys nothing. Python reseeds
        # the generator in every forked worker, so two workers do not repeat each other.
        request_id = given if _ACCEPTED.fullmatch(given) else f"{random.getrandbits(128):032x}"
        reset = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(reset)
        response[HEADER] = request_id
        return response
