"""Writing the Redis copy of a decision, the last step before the commit; when Redis cannot take it,
the decision goes to the record alone.

The order of the writes and what a failure between two of them leaves behind is in
docs/internals.md.
"""

from collections.abc import Callable
from typing import Any

from tokens.core import degraded
from tokens.exceptions import StoreFullError, StoreUnavailableError
from tokens.operations import metrics
from tokens.store import copies


def write_copy(write: Callable[..., Any], session_ids: list, user_id, *args, **kwargs) -> Any:
    """``write(user_id, *args, **kwargs)``: the copy of some sessions of one user, the last step
    before the commit.

    When Redis cannot take it, the decision goes to the record alone (returns None): a full Redis
    still deletes the sessions' copies, so none answers stale; an unreachable one is left behind
    by the outage epoch (``tokens.core.degraded``).
    """
    for _attempt in range(2):
        try:
            return write(user_id, *args, **kwargs)
        except StoreFullError:
            try:
                copies.forget(user_id, session_ids)
            except StoreUnavailableError:
                break
            metrics.DEGRADED_ANSWERS.labels("redis_out_of_memory").inc()
            return None
        except StoreUnavailableError:
            if not degraded.ask_again():
                break
    degraded.writing_record_alone()
    return None
