"""Running a login attempt through the stages the adapter names (``get_login_stages()``)."""

from django.core.exceptions import ImproperlyConfigured
from rest_framework.response import Response

from tokens.adapter import get_adapter
from tokens.flows.attempt import LoginAttempt
from tokens.flows.doors import Door


def run(attempt: LoginAttempt) -> Response | None:
    """Hand ``attempt`` to each stage in order until one hands back a response; the answer built
    (None when no stage built one: the admin's form, whose session Django opens).
    """
    for stage_class in get_adapter().get_login_stages():
        answer = stage_class(attempt).handle()
        if answer is not None:
            attempt.response = answer
            break
    return attempt.response


def login(request, door: Door) -> Response:
    """The answer of an API door: its attempt run through every stage."""
    response = run(LoginAttempt(request, door))
    if response is None:
        raise ImproperlyConfigured("TOKENS['LOGIN_STAGES'] built no answer: keep RespondStage.")
    return response
