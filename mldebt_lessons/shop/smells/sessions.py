"""Sessions per user: a notebook prototype in production, and the same count joined by id.

The recommender's ``session_count`` was first computed in a notebook, where the user ids happened to be
0, 1, 2, ...: the row numbers of the users table. The prototype (:func:`session_count_prototype`) counts
each id's sessions with ``np.bincount`` and hands them out by position, and it went to production as it
was, with no test. It is right only while every id is its row number. When the accounts team erases
accounts (a deletion request, say), the remaining ids have gaps and every user after the first gap gets
another user's count: no error, no warning. :func:`session_count_by_id` joins on the id itself, and
:func:`ids_are_row_numbers` is the one-line test the prototype never had.

>>> import numpy as np
>>> users, events = np.array([0, 2, 3]), np.array([0, 2, 2, 3, 3, 3])
>>> session_count_prototype(events, len(users)).tolist(), session_count_by_id(events, users).tolist()
([1.0, 0.0, 2.0], [1.0, 2.0, 3.0])
>>> ids_are_row_numbers(users)
False
"""

from __future__ import annotations

import numpy as np

EVENTS_STREAM, ERASURE_STREAM = 131, 132  # random streams: the order of the events, who is erased
ERASED_SHARE = 0.02  # share of accounts erased by the accounts team


def clickstream_events(world) -> np.ndarray:
    """One user id per session in the last 30 days, in the order the clickstream logged them."""
    sessions = world.raw["session_count"].astype(int)
    events = np.repeat(np.arange(len(sessions)), sessions)
    return np.random.default_rng([world.seed, EVENTS_STREAM]).permutation(events)


def erase_accounts(world, events: np.ndarray, share: float = ERASED_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """The accounts team erases ``share`` of the accounts: (the remaining user ids, their events)."""
    n = len(world.raw["session_count"])
    rng = np.random.default_rng([world.seed, ERASURE_STREAM])
    erased = rng.choice(n, size=int(round(share * n)), replace=False)
    keep = np.setdiff1d(np.arange(n), erased)
    return keep, events[np.isin(events, keep)]


def session_count_prototype(event_user_ids: np.ndarray, n_users: int) -> np.ndarray:
    """The notebook's count: sessions of id i go to row i (it assumed ids are row numbers)."""
    return np.bincount(event_user_ids, minlength=n_users)[:n_users].astype(float)


def session_count_by_id(event_user_ids: np.ndarray, user_ids: np.ndarray) -> np.ndarray:
    """Sessions of each user in ``user_ids``, joined on the id itself."""
    user_ids = np.asarray(user_ids)
    size = int(max(user_ids.max(initial=-1), np.max(event_user_ids, initial=-1))) + 1
    return np.bincount(event_user_ids, minlength=size)[user_ids].astype(float)


def ids_are_row_numbers(user_ids: np.ndarray) -> bool:
    """The prototype's assumption, as a test: the ids are exactly 0, 1, ..., n - 1."""
    return bool(np.array_equal(np.asarray(user_ids), np.arange(len(user_ids))))
