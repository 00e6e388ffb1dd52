"""The lease: one holder per database; a successor takes over when it is released or expires."""

from __future__ import annotations

from bot.alerts.lease import Lease
from bot.store import Store


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_holder_at_a_time_and_a_prompt_handover(store: Store) -> None:
    first, second = Lease(store, ttl=4), Lease(store, ttl=4)
    assert first.renew() and first.held() and first.generation == 1
    assert not second.renew() and not second.held()
    first.release()
    assert not first.held()
    assert second.renew() and second.generation == 1
    with store.transaction() as db:
        assert second.check(db) and not first.check(db)


def test_an_expired_lease_is_taken_over_and_the_old_holder_is_fenced(store: Store) -> None:
    clock = Clock()
    first, second = Lease(store, ttl=4, clock=clock), Lease(store, ttl=4, clock=clock)
    assert first.renew()
    clock.now += 3.9
    assert not second.renew()
    clock.now += 0.2  # the first holder stopped renewing (killed, frozen)
    assert not first.held()
    assert second.renew()
    with store.transaction() as db:
        assert not first.check(db)
    assert not first.renew()  # it waits now


def test_held_keeps_a_margin_before_expiry(store: Store) -> None:
    clock = Clock()
    lease = Lease(store, ttl=4, clock=clock)
    lease.renew()
    clock.now += 2.9
    assert lease.held()
    clock.now += 0.2
    assert not lease.held()
