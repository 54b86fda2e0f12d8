"""The Redis cache of the hot path: encoding, guarded fills, invalidation on commit, rebuild."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid

import pytest
from django.db import connection

from vasops.vac import actions
from vasops.vac import cache as c

REDIS_URL = os.environ.get("VASOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def prefix():
    value = f"vactest:{uuid.uuid4().hex[:8]}:"
    yield value
    c.clear(REDIS_URL, value)


def test_user_state_round_trips_through_the_hash_encoding():
    at = dt.datetime(2026, 3, 10, 4, 0, 0, 123456, tzinfo=dt.UTC)
    state = c.UserState(
        closed=True,
        blocks=frozenset({"90"}),
        relations={7: c.Relation("active", "202603"), 8: c.Relation("pending_confirmation", "", at)},
    )
    back = c.decode_user(state.encode())
    assert back == state and back.blocked("90") and not back.blocked("91")
    assert state.ttl == 0 and c.UserState().ttl == c.EMPTY_USER_TTL


def test_a_hash_without_the_completeness_marker_is_a_miss():
    assert c.decode_user({}) is None
    assert c.decode_user({b"7": b"a202603"}) is None
    assert c.decode_user({b"_": b"1"}) == c.UserState()


def test_version_at_picks_the_version_valid_at_the_instant_like_catalog_queries():
    t = lambda d: c.micros(dt.datetime(2026, 1, d, tzinfo=dt.UTC))  # noqa: E731
    info = c.ProductInfo(
        1,
        1,
        "90001",
        "9000000101",
        "90",
        "monthly",
        "2",
        "4",
        ((t(1), t(10), 500, "monthly"), (t(10), None, 400, "monthly")),
    )
    assert info.version_at(dt.datetime(2026, 1, 9, 23, 59, tzinfo=dt.UTC)) == (500, "monthly")
    assert info.version_at(dt.datetime(2026, 1, 10, tzinfo=dt.UTC)) == (400, "monthly")
    assert info.version_at(dt.datetime(2025, 12, 31, tzinfo=dt.UTC)) is None
    assert c.decode_product(info.encode()) == info
    assert c.decode_product(c.encode_unknown(2100)) == 2100


def run_in_fresh_loop(coro):  # type: ignore[no-untyped-def]
    """asyncio.run in a thread of its own: independent of any loop an earlier test left set."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=30)


def test_a_fill_that_read_before_an_invalidation_does_not_land(prefix):
    async def run() -> tuple[bool, bool, dict[bytes, bytes]]:
        cache = c.AsyncCache(REDIS_URL, prefix)
        try:
            gen = await cache.user_gen("13012345678")  # reader: generation, then PostgreSQL …
            await cache.invalidate_user("13012345678")  # … a writer commits meanwhile
            stale = await cache.fill_user("13012345678", c.UserState(), gen)
            fresh = await cache.fill_user("13012345678", c.UserState(), await cache.user_gen("13012345678"))
            _product, raw = await cache.read("90001", "x", "13012345678")
            return stale, fresh, raw
        finally:
            await cache.close()

    stale, fresh, raw = run_in_fresh_loop(run())
    assert (stale, fresh) == (False, True) and c.decode_user(raw) == c.UserState()


def test_flush_catalog_drops_every_product_and_refuses_fills_read_before(prefix):
    async def run() -> tuple[bool, int, bytes | None]:
        cache = c.AsyncCache(REDIS_URL, prefix)
        try:
            gen = await cache.catalog_gen()
            await cache.fill_product("90001", "a", 2100, gen)
            flushed = await cache.flush_catalog()
            late = await cache.fill_product("90001", "b", 2100, gen)
            product, _user = await cache.read("90001", "a", "13012345678")
            return late, flushed, product
        finally:
            await cache.close()

    late, flushed, product = run_in_fresh_loop(run())
    assert (late, flushed, product) == (False, 1, None)


@pytest.mark.django_db(transaction=True)
def test_actions_invalidate_the_user_on_commit_and_rebuild_warms_live_relations(settings, prefix, monthly):
    import redis

    settings.VASOPS_VAC_REDIS_URL = REDIS_URL
    settings.VASOPS_VAC_CACHE_PREFIX = prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = c.Keys(prefix)
    client.hset(keys.user("13012345678"), mapping={"_": "1"})
    actions.subscribe(actor="gateway", msisdn="13012345678", product=monthly, channel="crm")
    assert not client.exists(keys.user("13012345678"))  # dropped once the action committed
    assert client.exists(keys.gen("13012345678"))
    client.delete(keys.gen("13012345678"))
    d = connection.settings_dict
    dsn = f"postgresql://{d['USER'] or 'postgres'}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"
    assert c.rebuild(dsn, REDIS_URL, prefix) == 1
    state = c.decode_user(client.hgetall(keys.user("13012345678")))
    assert state is not None and state.relations[monthly.pk].state == "active"
    assert client.ttl(keys.user("13012345678")) == -1  # users with relations do not expire


@pytest.mark.django_db(transaction=True)
def test_a_django_write_keeps_gateway_fills_out_until_after_its_commit(settings, prefix, monthly):
    """Between the action's write and its COMMIT the cached state is already gone and a gateway
    fill (read from PostgreSQL before the commit: the old state) is refused; after COMMIT the
    mark is dropped and a fill with the new generation lands."""
    import redis
    from django.db import transaction

    settings.VASOPS_VAC_REDIS_URL = REDIS_URL
    settings.VASOPS_VAC_CACHE_PREFIX = prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = c.Keys(prefix)
    msisdn = "13012345678"
    client.hset(keys.user(msisdn), mapping={"_": "1"})  # cached: "no relations"

    async def fill(gen: str) -> bool:
        cache = c.AsyncCache(REDIS_URL, prefix)
        try:
            return await cache.fill_user(msisdn, c.UserState(), gen)
        finally:
            await cache.close()

    def gen() -> str:
        raw = client.get(keys.gen(msisdn))
        return raw.decode() if raw else ""

    with transaction.atomic():
        actions.subscribe(actor="gateway", msisdn=msisdn, product=monthly, channel="crm")
        assert not client.exists(keys.user(msisdn))  # gone before the commit
        assert client.exists(keys.dirty(msisdn))
        assert run_in_fresh_loop(fill(gen())) is False  # a gateway's stale fill does not land
    assert not client.exists(keys.dirty(msisdn)) and not client.exists(keys.user(msisdn))
    assert run_in_fresh_loop(fill(gen())) is True  # after COMMIT fills land again


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_django_write_leaves_a_mark_that_expires(settings, prefix, monthly):
    import redis
    from django.db import transaction

    settings.VASOPS_VAC_REDIS_URL = REDIS_URL
    settings.VASOPS_VAC_CACHE_PREFIX = prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = c.Keys(prefix)
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.subscribe(actor="gateway", msisdn="13012345679", product=monthly, channel="crm")
        raise RuntimeError("rolled back")
    assert 0 < client.ttl(keys.dirty("13012345679")) <= c.DIRTY_TTL
