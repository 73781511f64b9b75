"""``keyed``: hypothesis tests built by one function per parameter get their own derandomized
seed and their own example-database entries, as hypothesis's pytest plugin gives a
parametrized test.

``keyed`` sets an attribute hypothesis reads but does not document (no public API keys a test
without pinning its seed and dropping its database, see ``keyed``): these tests fail if a
hypothesis release stops reading it.
"""

from collections.abc import Callable

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from hypothesis.database import InMemoryExampleDatabase

from oracle.engines.symgrad_strategies import keyed

FAIL_AT = 1000


def derandomized(key: str | None, seen: list[int]) -> Callable[[], None]:
    """The same hypothesis test for every key (one source, as in a parametrized test)."""
    def prop(n: int) -> None:
        seen.append(n)

    test = prop if key is None else keyed(key)(prop)
    return settings(derandomize=True, max_examples=10)(given(st.integers(0, 2**62))(test))


def draws(key: str | None) -> list[int]:
    seen: list[int] = []
    derandomized(key, seen)()
    return seen


def test_keys_give_distinct_derandomized_draws_and_a_key_repeats_its_own():
    assert draws("mul:float32") == draws("mul:float32")
    assert draws("mul:float32") != draws("add:float32")


def test_without_a_key_the_tests_of_one_source_draw_the_same():
    # What keyed is for: otherwise every parameter tests the same inputs under ``ci``.
    assert draws(None) == draws(None)


def with_database(key: str, db: InMemoryExampleDatabase, seen: list[int]) -> Callable[[], None]:
    def prop(n: int) -> None:
        seen.append(n)
        assert n < FAIL_AT

    # A fixed seed keeps the fresh run's first draw away from FAIL_AT on every run.
    return settings(derandomize=False, database=db, max_examples=200)(
        given(st.integers(0, 10 * FAIL_AT))(seed(0)(keyed(key)(prop))))


@pytest.mark.parametrize("other_key,replayed", [("mul", True), ("add", False)])
def test_a_saved_failure_is_replayed_under_its_key_only(other_key, replayed):
    db = InMemoryExampleDatabase()
    with pytest.raises(AssertionError):
        with_database("mul", db, [])()
    seen: list[int] = []
    with pytest.raises(AssertionError):
        # Same key: the saved (shrunk) failure runs first. Another key starts afresh.
        with_database(other_key, db, seen)()
    assert (seen[0] == FAIL_AT) is replayed
