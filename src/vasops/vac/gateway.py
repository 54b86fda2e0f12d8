"""The VAC hot path as its own ASGI service (``vasops-gateway``): JSON over HTTP, and the binary
CheckPrice interface over TCP, answered from Redis with PostgreSQL as the system of record.

Run: ``python -m vasops.vac.gateway --port 8100 --workers 2 [--tcp-port 9999]`` (or
``manage.py run_vac_gateway``). Configured like the rest of vasops, from the Django settings /
environment (``DATABASE_URL``, ``REDIS_URL`` or ``VASOPS_VAC_REDIS_URL``,
``VASOPS_VAC_CACHE_PREFIX``, ``VASOPS_VAC_TCP_CLIENTS``, ``VASOPS_VAC_CONFIRM_INTERVAL_SECONDS``,
``VASOPS_VAC_GATEWAY_DB_POOL``); Django itself is not set up: no ORM, no app registry.

Routes (``POST``, JSON body ``{"msisdn", "sp_id", "product_id", ...}``; the answer is always
``{"code": <A.9 result code>, "message", "price_fen", "charge", ...}`` with HTTP 200, a malformed
request is HTTP 400 with code 100):

=====================  ================================================================
``/v1/auth``           鉴权计费 (op 0): may the user use the product now; the charge, if any,
                       is written (CDR, idempotent on ``cdr_id``) before the answer
``/v1/price-check``    the same decision without charging (CheckPrice with NeedConfirm)
``/v1/check``          定购关系鉴权 (op 6)
``/v1/subscribe``      订购 (op 1), ``channel`` (sms | wap | ivr | web | crm | trusted_portal)
``/v1/unsubscribe``    退订 (op 2)
``/v1/on-demand``      点播 (op 4), ``link_id`` and ``cdr_id`` optional
``/v1/confirm``        the user's 二次确认 reply to a pending subscription (vac.actions.confirm):
                       in the interval (inclusive) → active, charged and notified; later → 8
                       and the relation is dropped; nothing pending → 1201. ``link_id``
                       optional, only echoed back (the relation is msisdn × product)
``/v1/unsubscribe-all`` 全部退订 (op 3): ``msisdn``, ``service_type`` ("00" = every type),
                       ``sp_id`` ("" or "00000" = every SP), ``reason``; no ``product_id``
``/v1/block``          屏蔽业务能力 (op 7): ``msisdn``, ``service_type``, ``reason``
``/v1/restore``        恢复业务能力 (op 8): ``msisdn``, ``service_type``, ``reason``
``GET /health``        liveness
=====================  ================================================================

Every decision is :func:`vasops.vac.rules.decide` — the function ``vac.actions`` uses — on the
same facts (tests/test_gateway.py proves the answers and the rows equal). Reads come from Redis and
fall back to PostgreSQL (filling the cache); writes are one PostgreSQL transaction, answered
only after COMMIT, then the user's cache entry is invalidated (a write first marks the user
"being written" in Redis, so a gateway killed between COMMIT and invalidation leaves no stale
entry: see vac.cache). Concurrent on-demand uses are written by group commit: one multi-row
statement (CDRs ``ON CONFLICT DO NOTHING`` + their notifications) and one COMMIT per batch.
Database access is asyncpg (binary protocol, statements prepared and cached per connection:
about a third of the CPU of psycopg's async driver per query, which matters on the hot path).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import functools
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from vasops.catalog import rules as catalog_rules
from vasops.vac import cache as c
from vasops.vac import ids, rules
from vasops.vac.protocol.codes import ResultCode

log = logging.getLogger("vasops.vac.gateway")

CHANNELS = frozenset({"sms", "wap", "ivr", "web", "crm", "trusted_portal"})
WILDCARD_SP = "00000"  # op 3 over every SP
ACTOR = "gateway"
SHANGHAI = rules.SHANGHAI
RC = ResultCode


class BadRequest(Exception):
    pass


# --- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Config:
    dsn: str
    redis_url: str
    prefix: str = "vac:"
    confirm_interval: dt.timedelta = rules.DEFAULT_CONFIRM_INTERVAL
    tcp_clients: dict[str, str] = field(default_factory=dict)
    db_pool: int = 16
    install_triggers: bool = True

    @classmethod
    def from_settings(cls) -> Config:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vasops.settings")
        from django.conf import settings

        db = settings.DATABASES["default"]
        if "postgresql" not in db["ENGINE"]:
            raise RuntimeError("the VAC gateway needs PostgreSQL (DATABASE_URL=postgres://…)")
        url, prefix = c.settings_config()
        if not url:
            raise RuntimeError("the VAC gateway needs Redis (REDIS_URL or VASOPS_VAC_REDIS_URL)")
        dsn = "postgresql://{user}:{password}@{host}:{port}/{name}".format(
            user=db.get("USER") or "postgres",
            password=db.get("PASSWORD") or "",
            host=db.get("HOST") or "127.0.0.1",
            port=db.get("PORT") or 5432,
            name=db["NAME"],
        )
        seconds = int(c.setting("VASOPS_VAC_CONFIRM_INTERVAL_SECONDS", str(24 * 3600)))
        clients = getattr(settings, "VASOPS_VAC_TCP_CLIENTS", None) or orjson.loads(
            os.environ.get("VASOPS_VAC_TCP_CLIENTS", "{}")
        )
        return cls(
            dsn=dsn,
            redis_url=url,
            prefix=prefix,
            confirm_interval=dt.timedelta(seconds=seconds),
            tcp_clients=dict(clients),
            db_pool=int(c.setting("VASOPS_VAC_GATEWAY_DB_POOL", "16")),
            install_triggers=c.setting("VASOPS_VAC_GATEWAY_INSTALL_TRIGGERS", "1") not in ("0", "false"),
        )


# --- pure helpers ----------------------------------------------------------------------------


def normalise_msisdn(msisdn: str) -> str | None:
    """Bare 11 digits (``86…``/``+86…`` accepted), as vac.actions.normalise_msisdn; None = 107."""
    value = msisdn.strip().removeprefix("+")
    if len(value) == 13 and value.startswith("86"):
        value = value[2:]
    return value if len(value) == 11 and value.isdigit() else None


@functools.lru_cache(maxsize=256)
def _status(partner_code: str, product_status: str) -> catalog_rules.EffectiveStatus:
    return catalog_rules.effective_status(partner_code, product_status)


def build_facts(
    info: c.ProductInfo,
    user: c.UserState,
    now: dt.datetime,
    *,
    channel: str = "sms",
    confirm_interval: dt.timedelta = rules.DEFAULT_CONFIRM_INTERVAL,
    relation: c.Relation | None = None,
    use_cached_relation: bool = True,
) -> rules.Facts:
    """The facts vac.actions.facts_for reads, from the cached product and user state."""
    status = _status(info.partner_code, info.product_status)
    version = info.version_at(now)
    if version is None:
        price, mode, level = 0, info.billing_mode, "not_live"
    else:
        (price, mode), level = version, status.level
    rel = user.relations.get(info.id) if use_cached_relation else relation
    return rules.Facts(
        now=now,
        level=level,
        level_source=status.source,
        billing_mode=mode,
        price_fen=price,
        channel=channel,
        account_closed=user.closed,
        user_blocked=user.blocked(info.service_type),
        subscription_state=rel.state if rel else None,
        requested_at=rel.requested_at if rel else None,
        last_charged_month=rel.last_charged_month if rel else "",
        confirm_interval=confirm_interval,
    )


_stamps: dict[tuple[str, int], str] = {}


def stamp(when: dt.datetime | None, fmt: str = "%Y%m%d%H%M%S") -> str:
    """``when`` in Beijing time as ``fmt`` (whole seconds). Memoised per second: every request of
    the same second shares its stamps (strftime + astimezone were 11 % of an on-demand call)."""
    if when is None:
        return ""
    key = (fmt, int(when.timestamp()))
    text = _stamps.get(key)
    if text is None:
        if len(_stamps) > 4096:
            _stamps.clear()
        text = _stamps[key] = when.astimezone(SHANGHAI).strftime(fmt)
    return text


_MESSAGES = {int(rc): rc.zh for rc in RC}


def answer(code: int, *, price_fen: int = 0, charge: bool = False, **extra: Any) -> dict[str, Any]:
    return {
        "code": int(code),
        "message": _MESSAGES.get(code, ""),
        "price_fen": price_fen,
        "charge": charge,
        **extra,
    }


# --- SQL of the write path -------------------------------------------------------------------

LOCK_SQL = """
SELECT id, state, last_charged_month, requested_at, link_id, effective_at, channel
  FROM vac_subscription
 WHERE msisdn = $1 AND product_id = $2 AND state IN ('pending_confirmation', 'active')
 FOR UPDATE
"""
USER_FLAGS_SQL = """
SELECT EXISTS (SELECT 1 FROM vac_account WHERE msisdn = $1 AND state = 'closed'),
       EXISTS (SELECT 1 FROM vac_userblock WHERE msisdn = $1 AND state = 'blocked'
                  AND service_type IN ('00', $2))
"""
INSERT_SUB_SQL = """
INSERT INTO vac_subscription (msisdn, product_id, partner_id, state, channel, link_id, requested_at,
                              effective_at, expiry_at, last_charged_month, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $7)
ON CONFLICT DO NOTHING RETURNING id
"""
HISTORY_SQL = """
INSERT INTO vac_subscriptionhistory (subscription_id, event, from_state, to_state, channel,
                                     actor_label, reason, at)
SELECT $1, e, f, t, $2, 'gateway', $3, $4 FROM unnest($5::text[], $6::text[], $7::text[]) AS x(e, f, t)
"""
END_SQL = "UPDATE vac_subscription SET state = $2, expiry_at = $3, updated_at = $3 WHERE id = $1"


async def _end_relation(con: Any, row: Any, new_state: str, event: str, reason: str, now: Any) -> None:
    """Unsubscribe, block or drop one relation inside the caller's transaction: its new state and
    expiry, and the history row, exactly as the Django actions write them."""
    await con.execute(END_SQL, row["id"], new_state, now)
    await con.execute(
        HISTORY_SQL, row["id"], row["channel"], reason[:255], now, [event], [row["state"]], [new_state]
    )


CDR_SQL = """
INSERT INTO vac_usagerecord (cdr_id, msisdn, product_id, partner_id, fee_fen, kind, at)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING
"""
# Per-use CDRs of concurrent requests in one statement (GroupCommit): one array per column.
CDR_BATCH_SQL = """
INSERT INTO vac_usagerecord (cdr_id, msisdn, product_id, partner_id, fee_fen, kind, at)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::int[], $6::text[],
                     $7::timestamptz[])
ON CONFLICT DO NOTHING
"""
OUTBOX_SQL = """
INSERT INTO vac_notifyoutbox (id, record_sequence_id, user_id_type, user_id, service_type, sp_id,
    product_id, update_type, update_time, update_desc, link_id, content, effective_date,
    expire_date, time_stamp, encode_str, state, attempts, next_attempt_at, last_error, created_at,
    partner_id, subscription_id)
SELECT n.id, $1 || lpad(n.id::text, 12, '0'), 1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10, $11,
       $12, '', 'pending', 0, $13, '', $13, $14, $15
  FROM (SELECT nextval(pg_get_serial_sequence('vac_notifyoutbox', 'id')) AS id) n
"""
# 点播 for a whole batch of concurrent requests in one statement (one round trip, one COMMIT): the
# CDRs (idempotent on their id) and the SP notifications (updateType 3), each written only when
# its CDR is new (a re-sent request, even twice in the same batch, notifies once). Every parameter
# is an array with one element per request, in the order of :func:`on_demand_row`; the Beijing-time
# stamps of the notification are formatted here from ``at`` (fewer arrays to encode per row).
ON_DEMAND_SQL = """
WITH i AS (
  SELECT t.*, t.at AT TIME ZONE 'Asia/Shanghai' AS bj,
         row_number() OVER (PARTITION BY t.charge, t.cdr ORDER BY t.ord) AS rn
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                $7::bigint[], $8::text[], $9::bigint[], $10::int[], $11::bool[])
         WITH ORDINALITY AS t(msisdn, st, sp, pc, link, at, partner, cdr, product, fee, charge, ord)
),
cdr AS (
  INSERT INTO vac_usagerecord (cdr_id, msisdn, product_id, partner_id, fee_fen, kind, at)
  SELECT cdr, msisdn, product, partner, fee, 'per_use', at FROM i WHERE charge ORDER BY ord
  ON CONFLICT DO NOTHING RETURNING cdr_id
),
n AS (
  SELECT nextval(pg_get_serial_sequence('vac_notifyoutbox', 'id')) AS id, i.*
    FROM i
   WHERE NOT i.charge OR (i.rn = 1 AND i.cdr IN (SELECT cdr_id FROM cdr))
   ORDER BY i.ord
)
INSERT INTO vac_notifyoutbox (id, record_sequence_id, user_id_type, user_id, service_type, sp_id,
    product_id, update_type, update_time, update_desc, link_id, content, effective_date,
    expire_date, time_stamp, encode_str, state, attempts, next_attempt_at, last_error, created_at,
    partner_id, subscription_id)
SELECT n.id, to_char(n.bj, 'YYMMDD') || lpad(n.id::text, 12, '0'), 1, n.msisdn, n.st, n.sp, n.pc, 3,
       to_char(n.bj, 'YYYYMMDDHH24MISS'), '', n.link, '', '', '', to_char(n.bj, 'MMDDHH24MISS'), '',
       'pending', 0, n.at, '', n.at, n.partner, NULL
  FROM n
"""


def on_demand_row(
    info: c.ProductInfo, msisdn: str, link_id: str, now: dt.datetime, cdr: str, fee: int, charge: bool
) -> tuple[Any, ...]:
    """One request's elements of :data:`ON_DEMAND_SQL`."""
    return (msisdn, info.service_type, info.sp_id, info.product_code, link_id[:20], now, info.partner_id,
            cdr, info.id, fee, charge)  # fmt: skip


# 全部退订 / 屏蔽: the user's live relations in scope, locked, with what their notification needs.
SCOPE_SQL = """
SELECT s.id, s.state, s.channel, s.link_id, s.effective_at, s.partner_id, p.product_code,
       bl.service_type, pa.enterprise_code
  FROM vac_subscription s
  JOIN catalog_product p ON p.id = s.product_id
  JOIN catalog_businessline bl ON bl.id = p.business_line_id
  JOIN partners_partner pa ON pa.id = p.partner_id
 WHERE s.msisdn = $1 AND s.state IN ('pending_confirmation', 'active')
   AND ($2 = '00' OR bl.service_type = $2) AND ($3::bigint IS NULL OR s.partner_id = $3)
 ORDER BY s.id
   FOR UPDATE OF s
"""
CLOSED_SQL = "SELECT EXISTS (SELECT 1 FROM vac_account WHERE msisdn = $1 AND state = 'closed')"
BLOCKED_SQL = """
SELECT EXISTS (SELECT 1 FROM vac_userblock WHERE msisdn = $1 AND state = 'blocked'
                  AND (service_type = $2 OR ($2 <> '00' AND service_type = '00')))
"""
INSERT_BLOCK_SQL = """
INSERT INTO vac_userblock (msisdn, service_type, state, blocked_at, restored_at, reason)
VALUES ($1, $2, 'blocked', $3, NULL, $4) ON CONFLICT DO NOTHING RETURNING id
"""
LOCK_BLOCK_SQL = """
SELECT id FROM vac_userblock WHERE msisdn = $1 AND service_type = $2 AND state = 'blocked' FOR UPDATE
"""


@dataclass(frozen=True, slots=True)
class NotifyTarget:
    """What a notification says about the product (the fields of ProductInfo it reads)."""

    service_type: str
    sp_id: str
    product_code: str
    partner_id: int


def _outbox_args(
    info: c.ProductInfo | NotifyTarget,
    msisdn: str,
    update_type: int,
    now: dt.datetime,
    *,
    sub_id: int | None,
    link_id: str = "",
    desc: str = "",
    effective_at: dt.datetime | None = None,
    expiry_at: dt.datetime | None = None,
) -> list[Any]:
    return [
        stamp(now, "%y%m%d"),
        msisdn,
        info.service_type,
        info.sp_id,
        info.product_code,
        update_type,
        stamp(now),
        desc[:100],
        link_id[:20],
        stamp(effective_at),
        stamp(expiry_at),
        stamp(now, "%m%d%H%M%S"),
        now,
        info.partner_id,
        sub_id,
    ]


async def _notify_ended(
    con: Any,
    target: c.ProductInfo | NotifyTarget,
    msisdn: str,
    row: Any,
    reason: str,
    now: dt.datetime,
) -> None:
    """The SP is told (updateType 2) that the relation ``row`` ended at ``now``."""
    args = _outbox_args(
        target,
        msisdn,
        2,
        now,
        sub_id=row["id"],
        link_id=row["link_id"],
        desc=reason,
        effective_at=row["effective_at"],
        expiry_at=now,
    )
    await con.execute(OUTBOX_SQL, *args)


# --- the engine ------------------------------------------------------------------------------


class GroupCommit:
    """Group commit of one multi-row statement: the rows of concurrent callers are written by
    one statement taking one array per column (``unnest``), in one transaction, and each caller
    returns only after that COMMIT. While a batch commits the next one gathers (up to
    ``in_flight`` batches commit at once), so one fsync serves many CDRs. A failing batch is
    retried row by row (the same statement with one-element arrays), so one bad row fails only
    its own caller."""

    def __init__(self, engine: Engine, sql: str, max_batch: int = 1000, in_flight: int = 2) -> None:
        self.engine, self.sql, self.max_batch = engine, sql, max_batch
        self.queue: list[tuple[tuple[Any, ...], asyncio.Future[None]]] = []
        self.running = 0
        self.in_flight = in_flight

    async def submit(self, args: tuple[Any, ...]) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.queue.append((args, fut))
        if self.running < self.in_flight:
            self.running += 1
            task = asyncio.get_running_loop().create_task(self._run())
            self.engine._tasks.add(task)
            task.add_done_callback(self.engine._tasks.discard)
        await fut

    @staticmethod
    def columns(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
        return [list(col) for col in zip(*rows, strict=True)]

    async def _run(self) -> None:
        try:
            while self.queue:
                batch, self.queue = self.queue[: self.max_batch], self.queue[self.max_batch :]
                try:
                    # One statement is one implicit transaction: it commits as a whole or not at
                    # all, in one round trip (no BEGIN / COMMIT of their own).
                    await self.engine.pool.execute(self.sql, *self.columns([args for args, _f in batch]))
                except Exception:
                    for args, fut in batch:
                        try:
                            await self.engine.pool.execute(self.sql, *self.columns([args]))
                        except Exception as exc:
                            if not fut.done():
                                fut.set_exception(exc)
                        else:
                            if not fut.done():
                                fut.set_result(None)
                else:
                    for _args, fut in batch:
                        if not fut.done():
                            fut.set_result(None)
        finally:
            self.running -= 1


async def _reset_connection(con: Any) -> None:
    """What the pool does to a connection it takes back, beyond asyncpg's own clean-up (which
    already rolls back a transaction left open by a cancelled request): nothing. asyncpg's default
    sends ``RESET ALL; UNLISTEN *; CLOSE ALL`` — one more round trip per query — for session state
    this service never sets (it LISTENs on a connection of its own)."""


class Engine:
    """Every VAC operation of the hot path; used by the HTTP app and the TCP server."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.cache: c.AsyncCache | None = None
        self.pool: Any = None
        self._listener: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.on_demand_writes = GroupCommit(self, ON_DEMAND_SQL)
        self.cdr_writes = GroupCommit(self, CDR_BATCH_SQL)

    # life cycle
    async def start(self) -> None:
        import asyncpg

        self.cache = c.AsyncCache(self.config.redis_url, self.config.prefix)
        self.pool = await asyncpg.create_pool(
            self.config.dsn,
            min_size=2,
            max_size=self.config.db_pool,
            command_timeout=30,
            reset=_reset_connection,
        )
        if self.config.install_triggers:
            async with self.pool.acquire() as con, con.transaction():
                await con.execute("SELECT pg_advisory_xact_lock(72150011)")
                await con.execute(c.TRIGGER_SQL)
        ready = asyncio.Event()
        self._listener = asyncio.create_task(self._listen(ready))
        await asyncio.wait_for(ready.wait(), 10)

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
        if self.pool is not None:
            await self.pool.close()
        if self.cache is not None:
            await self.cache.close()

    async def _listen(self, ready: asyncio.Event) -> None:
        """LISTEN for catalogue/partner changes; on (re)connect the product cache is flushed, so a
        change made while nobody listened is not served stale."""
        import asyncpg

        assert self.cache is not None
        cache = self.cache
        while True:
            try:
                con = await asyncpg.connect(self.config.dsn)
                lost = asyncio.Event()
                con.add_termination_listener(lambda _c, ev=lost: ev.set())

                def changed(*_args: Any) -> None:
                    task = asyncio.get_running_loop().create_task(cache.flush_catalog())
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)

                await con.add_listener(c.NOTIFY_CHANNEL, changed)
                await cache.flush_catalog()
                ready.set()
                try:
                    await lost.wait()
                finally:
                    with contextlib.suppress(Exception):
                        await con.close()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("vac gateway: catalogue listener lost; reconnecting")
                await asyncio.sleep(1)

    # reads
    async def load(
        self, sp_id: str, product_code: str, msisdn: str
    ) -> tuple[c.ProductInfo | int, c.UserState]:
        assert self.cache is not None
        raw_product, raw_user = await self.cache.read(sp_id, product_code, msisdn)
        if raw_product is None:
            info = await self._load_product(sp_id, product_code)
        else:
            info = c.decode_product(raw_product)
        if isinstance(info, int):
            return info, c.UserState()
        user = c.decode_user(raw_user)
        if user is None:
            gen = await self.cache.user_gen(msisdn)
            user = c.user_from_rows(await self.pool.fetch(c.USER_SQL, msisdn))
            await self.cache.fill_user(msisdn, user, gen)
        return info, user

    async def _load_product(self, sp_id: str, product_code: str) -> c.ProductInfo | int:
        assert self.cache is not None
        gen = await self.cache.catalog_gen()
        row = await self.pool.fetchrow(c.PRODUCT_SQL, sp_id, product_code)
        info = c.product_from_row(row, sp_id, product_code)
        await self.cache.fill_product(sp_id, product_code, info, gen)
        return info

    @contextlib.asynccontextmanager
    async def writing(self, msisdn: str) -> AsyncIterator[None]:
        """Around a write transaction on ``msisdn``: the user's cache entry is marked before and
        invalidated after (COMMIT, refusal or error alike)."""
        assert self.cache is not None
        await self.cache.begin_write(msisdn)
        try:
            yield
        finally:
            await self.cache.end_write(msisdn)

    def facts(self, info: c.ProductInfo, user: c.UserState, now: dt.datetime, **kw: Any) -> rules.Facts:
        return build_facts(info, user, now, confirm_interval=self.config.confirm_interval, **kw)

    async def _locked(
        self, con: Any, info: c.ProductInfo, msisdn: str
    ) -> tuple[c.UserState, c.Relation | None, Any]:
        """Inside a transaction: the live relation (locked) and the user's flags, from PostgreSQL."""
        row = await con.fetchrow(LOCK_SQL, msisdn, info.id)
        closed, blocked = await con.fetchrow(USER_FLAGS_SQL, msisdn, info.service_type)
        user = c.UserState(closed=closed, blocks=frozenset({info.service_type}) if blocked else frozenset())
        rel = c.Relation(row["state"], row["last_charged_month"], row["requested_at"]) if row else None
        return user, rel, row

    # operations
    async def authenticate(
        self,
        msisdn: str,
        sp_id: str,
        product_code: str,
        *,
        commit_charge: bool = True,
        cdr_id: str | None = None,
    ) -> dict[str, Any]:
        """鉴权计费 (op 0) — vac.actions.authenticate_use."""
        number = normalise_msisdn(msisdn)
        if number is None:
            return answer(RC.MSISDN_INVALID)
        info, user = await self.load(sp_id, product_code, number)
        if isinstance(info, int):
            return answer(info)
        now = dt.datetime.now(dt.UTC)
        facts = self.facts(info, user, now)
        decision = rules.decide(rules.Op.AUTH_CHARGE, facts)
        if not decision.ok or not decision.charge or not commit_charge:
            return answer(decision.code, price_fen=decision.price_fen, charge=decision.charge)
        if facts.subscription_state is not None and facts.billing_mode == "monthly":
            return await self._charge_month(info, number)
        cdr = cdr_id or ids.cdr_id()
        await self.cdr_writes.submit(
            (cdr, number, info.id, info.partner_id, decision.price_fen, "per_use", now)
        )
        return answer(decision.code, price_fen=decision.price_fen, charge=True, cdr_id=cdr)

    async def _charge_month(self, info: c.ProductInfo, msisdn: str) -> dict[str, Any]:
        """First use in a calendar month of a monthly relation: decided again on the locked row."""
        async with self.writing(msisdn), self.pool.acquire() as con, con.transaction():
            now = dt.datetime.now(dt.UTC)
            user, rel, row = await self._locked(con, info, msisdn)
            decision = rules.decide(
                rules.Op.AUTH_CHARGE, self.facts(info, user, now, relation=rel, use_cached_relation=False)
            )
            cdr = None
            if decision.ok and decision.charge and row is not None:
                month = rules.month_key(now)
                cdr = f"M{row['id']}-{month}"
                await con.execute(
                    CDR_SQL, cdr, msisdn, info.id, info.partner_id, decision.price_fen, "monthly", now
                )
                await con.execute(
                    "UPDATE vac_subscription SET last_charged_month = $2, updated_at = $3 WHERE id = $1",
                    row["id"],
                    month,
                    now,
                )
        extra = {"cdr_id": cdr} if cdr else {}
        return answer(decision.code, price_fen=decision.price_fen, charge=decision.charge, **extra)

    async def check(self, msisdn: str, sp_id: str, product_code: str) -> dict[str, Any]:
        """定购关系鉴权 (op 6) — vac.actions.check."""
        number = normalise_msisdn(msisdn)
        if number is None:
            return answer(RC.MSISDN_INVALID)
        info, user = await self.load(sp_id, product_code, number)
        if isinstance(info, int):
            return answer(info)
        decision = rules.decide(rules.Op.CHECK, self.facts(info, user, dt.datetime.now(dt.UTC)))
        return answer(decision.code)

    async def subscribe(
        self, msisdn: str, sp_id: str, product_code: str, *, channel: str = "sms", link_id: str = ""
    ) -> dict[str, Any]:
        """订购 (op 1) — vac.actions.subscribe."""
        number = normalise_msisdn(msisdn)
        if number is None:
            return answer(RC.MSISDN_INVALID)
        info, _user = await self.load(sp_id, product_code, number)
        if isinstance(info, int):
            return answer(info)
        async with self.writing(number), self.pool.acquire() as con, con.transaction():
            now = dt.datetime.now(dt.UTC)
            user, rel, _row = await self._locked(con, info, number)
            facts = self.facts(info, user, now, channel=channel, relation=rel, use_cached_relation=False)
            decision = rules.decide(rules.Op.SUBSCRIBE, facts)
            if not decision.ok:
                return answer(decision.code)
            pending = decision.outcome is rules.Outcome.PENDING
            month = rules.month_key(now) if decision.charge else ""
            sub_id = await con.fetchval(
                INSERT_SUB_SQL,
                number,
                info.id,
                info.partner_id,
                "pending_confirmation" if pending else "active",
                channel,
                link_id,
                now,
                None if pending else now,
                month,
            )
            if sub_id is None:  # a concurrent subscribe won the partial unique index
                return answer(RC.ALREADY_SUBSCRIBED)
            events, froms, tos = ["requested"], [""], ["pending_confirmation"]
            cdr = None
            if not pending:
                events.append("activated")
                froms.append("pending_confirmation")
                tos.append("active")
                if decision.charge:
                    cdr = f"M{sub_id}-{month}"
                    await con.execute(
                        CDR_SQL, cdr, number, info.id, info.partner_id, decision.price_fen, "monthly", now
                    )
                await con.execute(
                    OUTBOX_SQL,
                    *_outbox_args(info, number, 1, now, sub_id=sub_id, link_id=link_id, effective_at=now),
                )
            await con.execute(HISTORY_SQL, sub_id, channel, "", now, events, froms, tos)
        state = "pending_confirmation" if pending else "active"
        extra: dict[str, Any] = {"state": state, "subscription_id": sub_id}
        if cdr:
            extra["cdr_id"] = cdr
        return answer(decision.code, price_fen=decision.price_fen, charge=decision.charge, **extra)

    async def unsubscribe(
        self, msisdn: str, sp_id: str, product_code: str, *, reason: str = ""
    ) -> dict[str, Any]:
        """退订 (op 2) — vac.actions.unsubscribe (a pending relation is dropped, nobody told)."""
        number = normalise_msisdn(msisdn)
        if number is None:
            return answer(RC.MSISDN_INVALID)
        info, _user = await self.load(sp_id, product_code, number)
        if isinstance(info, int):
            return answer(info)
        async with self.writing(number), self.pool.acquire() as con, con.transaction():
            now = dt.datetime.now(dt.UTC)
            user, rel, row = await self._locked(con, info, number)
            facts = self.facts(info, user, now, relation=rel, use_cached_relation=False)
            decision = rules.decide(rules.Op.UNSUBSCRIBE, facts)
            if not decision.ok:
                return answer(decision.code)
            assert row is not None
            drop = row["state"] == "pending_confirmation" or decision.outcome is rules.Outcome.DROP
            new_state, event = ("dropped", "dropped") if drop else ("unsubscribed", "unsubscribed")
            await _end_relation(con, row, new_state, event, reason, now)
            if not drop:
                await _notify_ended(con, info, number, row, reason, now)
        return answer(decision.code, state=new_state)

    async def confirm(
        self, msisdn: str, sp_id: str, product_code: str, *, now: dt.datetime | None = None
    ) -> dict[str, Any]:
        """The user's 二次确认 reply — vac.actions.confirm: decided on the locked pending row; in
        time it becomes active (first month charged, SP told, updateType 1), too late it is
        dropped and the answer is 8 (the drop is kept). ``now`` is for tests; default wall clock."""
        number = normalise_msisdn(msisdn)
        if number is None:
            return answer(RC.MSISDN_INVALID)
        info, _user = await self.load(sp_id, product_code, number)
        if isinstance(info, int):
            return answer(info)
        async with self.writing(number), self.pool.acquire() as con, con.transaction():
            now = now or dt.datetime.now(dt.UTC)
            user, rel, row = await self._locked(con, info, number)
            facts = self.facts(info, user, now, channel="sms", relation=rel, use_cached_relation=False)
            decision = rules.decide(rules.Op.CONFIRM, facts)
            if decision.outcome is rules.Outcome.DROP and row is not None:
                await _end_relation(con, row, "dropped", "dropped", "二次确认超时", now)
                return answer(decision.code, state="dropped", subscription_id=row["id"])
            if not decision.ok:
                return answer(decision.code)
            assert row is not None
            month = rules.month_key(now) if decision.charge else None
            await con.execute(
                "UPDATE vac_subscription SET state = 'active', effective_at = $2, updated_at = $2,"
                " last_charged_month = COALESCE($3, last_charged_month) WHERE id = $1",
                row["id"],
                now,
                month,
            )
            cdr = None
            if month is not None:
                cdr = f"M{row['id']}-{month}"
                await con.execute(
                    CDR_SQL, cdr, number, info.id, info.partner_id, decision.price_fen, "monthly", now
                )
            args = _outbox_args(
                info, number, 1, now, sub_id=row["id"], link_id=row["link_id"], effective_at=now
            )
            await con.execute(OUTBOX_SQL, *args)
            await con.execute(
                HISTORY_SQL, row["id"], row["channel"], "", now, ["activated"], [row["state"]], ["active"]
            )
        extra: dict[str, Any] = {"state": "active", "subscription_id": row["id"]}
        if cdr:
            extra["cdr_id"] = cdr
        return answer(decision.code, price_fen=decision.price_fen, charge=decision.charge, **extra)

    async def on_demand(
        self, msisdn: str, sp_id: str, product_code: str, *, link_id: str = "", cdr_id: str | None = None
    ) -> dict[str, Any]:
        """点播 (op 4) — vac.actions.on_demand: the CDR and the SP notification in one statement."""
        number = normalise_msisdn(msisdn)
        if number is None:
            return answer(RC.MSISDN_INVALID)
        info, user = await self.load(sp_id, product_code, number)
        if isinstance(info, int):
            return answer(info)
        now = dt.datetime.now(dt.UTC)
        decision = rules.decide(rules.Op.ON_DEMAND, self.facts(info, user, now))
        if not decision.ok:
            return answer(decision.code)
        link_id = link_id or ids.link_id()
        cdr = (cdr_id or ids.cdr_id()) if decision.charge else None
        await self.on_demand_writes.submit(
            on_demand_row(info, number, link_id, now, cdr or "", decision.price_fen, decision.charge)
        )
        extra: dict[str, Any] = {"link_id": link_id}
        if cdr:
            extra["cdr_id"] = cdr
        return answer(decision.code, price_fen=decision.price_fen, charge=decision.charge, **extra)

    # CRM / O&M acts on a user (ops 3, 7, 8)
    async def _end_relations(
        self, con: Any, msisdn: str, rows: list[Any], now: dt.datetime, reason: str, *, block: bool = False
    ) -> None:
        """vac.actions._end for each locked row: pending → dropped (nobody told); active →
        unsubscribed (or blocked), history, and the SP is told (updateType 2)."""
        for row in rows:
            if row["state"] == "pending_confirmation":
                new_state, event = "dropped", "dropped"
            elif block:
                new_state, event = "blocked", "blocked"
            else:
                new_state, event = "unsubscribed", "unsubscribed"
            await _end_relation(con, row, new_state, event, reason, now)
            if new_state != "dropped":
                target = NotifyTarget(
                    row["service_type"],
                    row["enterprise_code"] or "",
                    row["product_code"] or "",
                    row["partner_id"],
                )
                await _notify_ended(con, target, msisdn, row, reason, now)

    async def unsubscribe_all(
        self, msisdn: str, *, service_type: str = "00", sp_id: str = "", reason: str = ""
    ) -> dict[str, Any]:
        """全部退订 (op 3) — vac.actions.unsubscribe_all: every live relation of the user in the
        scope (service type "00" = all types; SP "" / "00000" = all SPs)."""
        number = normalise_msisdn(msisdn)
        if number is None:
            return answer(RC.MSISDN_INVALID)
        partner_id = None
        if sp_id not in ("", WILDCARD_SP):
            partner_id = await self.pool.fetchval(
                "SELECT id FROM partners_partner WHERE enterprise_code = $1", sp_id
            )
            if partner_id is None:
                return answer(RC.SP_NOT_FOUND)
        async with self.writing(number), self.pool.acquire() as con, con.transaction():
            now = dt.datetime.now(dt.UTC)
            rows = await con.fetch(SCOPE_SQL, number, service_type, partner_id)
            closed = await con.fetchval(CLOSED_SQL, number)
            facts = rules.Facts(now=now, account_closed=closed, live_count=len(rows))
            decision = rules.decide(rules.Op.UNSUBSCRIBE_ALL, facts)
            if not decision.ok:
                return answer(decision.code)
            await self._end_relations(con, number, rows, now, reason or "全部退订")
        return answer(decision.code, changed=len(rows))

    async def block(self, msisdn: str, *, service_type: str = "00", reason: str = "") -> dict[str, Any]:
        """屏蔽业务能力 (op 7) — vac.actions.block_user: the relations in scope end (blocked)."""
        number = normalise_msisdn(msisdn)
        if number is None:
            return answer(RC.MSISDN_INVALID)
        async with self.writing(number), self.pool.acquire() as con, con.transaction():
            now = dt.datetime.now(dt.UTC)
            closed = await con.fetchval(CLOSED_SQL, number)
            blocked = await con.fetchval(BLOCKED_SQL, number, service_type)
            facts = rules.Facts(now=now, account_closed=closed, user_blocked=blocked)
            decision = rules.decide(rules.Op.BLOCK, facts)
            if not decision.ok:
                return answer(decision.code)
            block_id = await con.fetchval(INSERT_BLOCK_SQL, number, service_type, now, reason[:255])
            if block_id is None:  # a concurrent block won the partial unique index
                return answer(RC.CANNOT_BLOCK_RESTORE)
            rows = await con.fetch(SCOPE_SQL, number, service_type, None)
            await self._end_relations(con, number, rows, now, reason or "用户屏蔽业务能力", block=True)
        return answer(decision.code, changed=len(rows))

    async def restore(self, msisdn: str, *, service_type: str = "00", reason: str = "") -> dict[str, Any]:
        """恢复业务能力 (op 8) — vac.actions.restore_user (ended relations are not restored)."""
        del reason  # kept in the request for the record; vac.actions stores none either
        number = normalise_msisdn(msisdn)
        if number is None:
            return answer(RC.MSISDN_INVALID)
        async with self.writing(number), self.pool.acquire() as con, con.transaction():
            now = dt.datetime.now(dt.UTC)
            block_id = await con.fetchval(LOCK_BLOCK_SQL, number, service_type)
            closed = await con.fetchval(CLOSED_SQL, number)
            facts = rules.Facts(now=now, account_closed=closed, user_blocked=block_id is not None)
            decision = rules.decide(rules.Op.RESTORE, facts)
            if not decision.ok:
                return answer(decision.code)
            await con.execute(
                "UPDATE vac_userblock SET state = 'restored', restored_at = $2 WHERE id = $1", block_id, now
            )
        return answer(decision.code)


# --- HTTP (plain ASGI) -----------------------------------------------------------------------

JSON_HEADERS = [(b"content-type", b"application/json")]


def _field(body: dict[str, Any], name: str, *, required: bool = True, size: int = 40) -> str:
    value = body.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > size or (required and not value):
        raise BadRequest(f"{name}: required text of at most {size} characters")
    return value


def _service_type(body: dict[str, Any]) -> str:
    value = _field(body, "service_type", required=False, size=2) or "00"
    if len(value) != 2 or not value.isdigit():
        raise BadRequest("service_type: two digits (00 = every service type)")
    return value


ROUTES = frozenset(
    {"/v1/auth", "/v1/price-check", "/v1/check", "/v1/subscribe", "/v1/unsubscribe", "/v1/confirm",
     "/v1/on-demand", "/v1/unsubscribe-all", "/v1/block", "/v1/restore"}
)  # fmt: skip


async def _route(engine: Engine, path: str, body: dict[str, Any]) -> dict[str, Any]:
    if path not in ROUTES:  # before the body's fields are checked: an unknown route is a 404
        raise LookupError(path)
    msisdn = _field(body, "msisdn")
    if path in ("/v1/unsubscribe-all", "/v1/block", "/v1/restore"):
        service_type = _service_type(body)
        reason = _field(body, "reason", required=False, size=255)
        if path == "/v1/block":
            return await engine.block(msisdn, service_type=service_type, reason=reason)
        if path == "/v1/restore":
            return await engine.restore(msisdn, service_type=service_type, reason=reason)
        sp_id = _field(body, "sp_id", required=False, size=21)
        return await engine.unsubscribe_all(msisdn, service_type=service_type, sp_id=sp_id, reason=reason)
    sp_id = _field(body, "sp_id", size=21)
    product_id = _field(body, "product_id", size=21)
    if path == "/v1/auth":
        return await engine.authenticate(
            msisdn, sp_id, product_id, cdr_id=_field(body, "cdr_id", required=False) or None
        )
    if path == "/v1/price-check":
        return await engine.authenticate(msisdn, sp_id, product_id, commit_charge=False)
    if path == "/v1/check":
        return await engine.check(msisdn, sp_id, product_id)
    if path == "/v1/subscribe":
        channel = _field(body, "channel", required=False) or "sms"
        if channel not in CHANNELS:
            raise BadRequest(f"channel: one of {', '.join(sorted(CHANNELS))}")
        link_id = _field(body, "link_id", required=False, size=20)
        return await engine.subscribe(msisdn, sp_id, product_id, channel=channel, link_id=link_id)
    if path == "/v1/unsubscribe":
        return await engine.unsubscribe(
            msisdn, sp_id, product_id, reason=_field(body, "reason", required=False, size=255)
        )
    if path == "/v1/confirm":
        link_id = _field(body, "link_id", required=False, size=20)
        result = await engine.confirm(msisdn, sp_id, product_id)
        return {**result, "link_id": link_id} if link_id else result
    if path == "/v1/on-demand":
        return await engine.on_demand(
            msisdn,
            sp_id,
            product_id,
            link_id=_field(body, "link_id", required=False, size=20),
            cdr_id=_field(body, "cdr_id", required=False) or None,
        )
    raise LookupError(path)


Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


class GatewayApp:
    """The ASGI application. The engine (pools) starts with the lifespan, or on first use."""

    def __init__(self, config: Config | None = None, *, tcp_port: int | None = None) -> None:
        self._config = config
        self.engine: Engine | None = None
        self.tcp_port = tcp_port
        self._tcp: asyncio.Server | None = None
        self._lock = asyncio.Lock()

    async def _engine(self) -> Engine:
        if self.engine is None:
            async with self._lock:
                if self.engine is None:
                    engine = Engine(self._config or Config.from_settings())
                    await engine.start()
                    self.engine = engine
        return self.engine

    async def startup(self) -> None:
        engine = await self._engine()
        port = (
            self.tcp_port if self.tcp_port is not None else int(c.setting("VASOPS_VAC_GATEWAY_TCP_PORT", "0"))
        )
        if port:
            self._tcp = await asyncio.start_server(
                functools.partial(tcp_handle, engine),
                c.setting("VASOPS_VAC_GATEWAY_TCP_HOST", "0.0.0.0"),  # noqa: S104
                port,
                reuse_port=True,
            )

    async def shutdown(self) -> None:
        if self._tcp is not None:
            self._tcp.close()
        if self.engine is not None:
            await self.engine.stop()

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            return
        path = scope["path"]
        if scope["method"] == "GET" and path == "/health":
            await _reply(send, 200, b'{"status":"ok"}')
            return
        if scope["method"] != "POST":
            await _reply(send, 405, orjson.dumps(answer(RC.FIELD_INVALID, error="method not allowed")))
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        try:
            body = orjson.loads(raw)
            if not isinstance(body, dict):
                raise BadRequest("a JSON object is expected")
            result = await _route(await self._engine(), path, body)
        except LookupError:
            await _reply(send, 404, orjson.dumps(answer(RC.FIELD_INVALID, error="no such route")))
            return
        except (BadRequest, orjson.JSONDecodeError) as exc:
            await _reply(send, 400, orjson.dumps(answer(RC.FIELD_INVALID, error=str(exc))))
            return
        except Exception:
            log.exception("vac gateway: %s failed", path)
            await _reply(send, 503, orjson.dumps(answer(RC.INTERNAL_ERROR)))
            return
        await _reply(send, 200, orjson.dumps(result))

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    log.exception("vac gateway: startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _reply(send: Send, status: int, body: bytes) -> None:
    headers = [*JSON_HEADERS, (b"content-length", b"%d" % len(body))]  # not chunked
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


app = GatewayApp()


# --- the binary interface (VAC.md Part A) on the same engine -------------------------------


@dataclass(slots=True)
class TcpConnection:
    bound: str | None = None
    pending: dict[str, tuple[str, str, str]] = field(default_factory=dict)


CONFIRM_INTERVAL_SECONDS = 60


async def check_price(engine: Engine, msg: Any, conn: TcpConnection) -> Any:
    """CheckPrice → the operation of its Operation_Type, answered as vasops.vac.tcp_server does
    (ops 3 / 7 / 8 take the scope from ServiceType, "00" = all, and op 3 from SP_ID, "00000" = all)."""
    from vasops.vac.protocol import binary as b

    def resp(code: int, *, need_confirm: int = 0, link_id: str = "") -> b.CheckPriceResp:
        tlvs: list[b.Tlv] = []
        if link_id:
            tlvs.append(b.Tlv.of(b.TlvTag.LINK_ID, link_id))
        if code != RC.SUCCESS:
            tlvs.append(
                b.Tlv.of(b.TlvTag.RETURN_MESSAGE, RC(code).en[:200] if code in RC._value2member_map_ else "")
            )
        return b.CheckPriceResp(
            sequence_id=msg.sequence_id,
            result_code=int(code),
            confirm_interval=CONFIRM_INTERVAL_SECONDS if need_confirm == 1 else -1,
            need_confirm=need_confirm if code == RC.SUCCESS else -1,
            tlvs=tuple(tlvs),
        )

    op = rules.BINARY_OPS.get(msg.operation_type)
    if op is None:
        return resp(RC.FIELD_INVALID)
    msisdn = msg.fa.number or msg.oa.number
    sp_id, service_id = msg.sp_id, msg.service_id
    service_type = msg.service_type or "00"
    if op is rules.Op.BLOCK:
        result = await engine.block(msisdn, service_type=service_type)
    elif op is rules.Op.RESTORE:
        result = await engine.restore(msisdn, service_type=service_type)
    elif op is rules.Op.UNSUBSCRIBE_ALL:
        result = await engine.unsubscribe_all(msisdn, service_type=service_type, sp_id=sp_id)
    elif op is rules.Op.SUBSCRIBE:
        channel = (msg.order_method or "sms").strip().lower()
        result = await engine.subscribe(
            msisdn,
            sp_id,
            service_id,
            channel=channel if channel in CHANNELS else "sms",
            link_id=msg.link_id or "",
        )
    elif op is rules.Op.UNSUBSCRIBE:
        result = await engine.unsubscribe(msisdn, sp_id, service_id)
    elif op is rules.Op.CHECK:
        result = await engine.check(msisdn, sp_id, service_id)
    elif op is rules.Op.ON_DEMAND:
        link_id = msg.link_id or f"{msg.sequence_number}"[:20]
        result = await engine.on_demand(
            msisdn, sp_id, service_id, link_id=link_id, cdr_id=f"{conn.bound}-{msg.sequence_number}"
        )
        return resp(result["code"], link_id=link_id if result["code"] == RC.SUCCESS else "")
    else:  # AUTH_CHARGE: a charge waits for CheckPriceConfirm
        result = await engine.authenticate(msisdn, sp_id, service_id, commit_charge=False)
        if result["code"] == RC.SUCCESS and result["charge"]:
            conn.pending[msg.sequence_number] = (msisdn, sp_id, service_id)
            return resp(RC.SUCCESS, need_confirm=1)
    return resp(result["code"])


async def check_price_confirm(engine: Engine, msg: Any, conn: TcpConnection) -> Any:
    from vasops.vac.protocol import binary as b

    pending = conn.pending.pop(msg.sequence_number, None)
    if pending is None:
        return b.CheckPriceConfirmResp(sequence_id=msg.sequence_id, result_code=RC.FIELD_INVALID)
    if msg.err_code == RC.SUCCESS:  # delivered: the charge stands
        result = await engine.authenticate(*pending, cdr_id=f"{conn.bound}-{msg.sequence_number}")
        if result["code"] != RC.SUCCESS:
            return b.CheckPriceConfirmResp(sequence_id=msg.sequence_id, result_code=result["code"])
    return b.CheckPriceConfirmResp(sequence_id=msg.sequence_id, result_code=RC.SUCCESS)


async def _tcp_dispatch(engine: Engine, msg: Any, conn: TcpConnection) -> tuple[Any, bool]:
    from vasops.vac.protocol import binary as b

    if isinstance(msg, b.Bind):
        if conn.bound is not None:
            return b.BindResp(sequence_id=msg.sequence_id, result_code=RC.ALREADY_BOUND), False
        secret = engine.config.tcp_clients.get(msg.source_device_id)
        if secret is None:
            return b.BindResp(sequence_id=msg.sequence_id, result_code=RC.INVALID_ACCOUNT), True
        if not b.verify_bind(msg, secret):
            return b.BindResp(sequence_id=msg.sequence_id, result_code=RC.AUTH_MISMATCH), True
        conn.bound = msg.source_device_id
        return b.BindResp(sequence_id=msg.sequence_id, result_code=RC.SUCCESS), False
    if isinstance(msg, b.Handset):
        return b.HandsetResp(sequence_id=msg.sequence_id), False
    if isinstance(msg, b.UnBind):
        return b.UnBindResp(sequence_id=msg.sequence_id), True
    if conn.bound is None:
        error = b.ProtocolError(
            RC.NOT_BOUND, "not bound", command_id=msg.COMMAND_ID, sequence_id=msg.sequence_id
        )
        return b.error_response(error), False
    if isinstance(msg, b.CheckPrice):
        return await check_price(engine, msg, conn), False
    if isinstance(msg, b.CheckPriceConfirm):
        return await check_price_confirm(engine, msg, conn), False
    return None, False


async def tcp_handle(engine: Engine, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    from vasops.vac.protocol import binary as b

    conn = TcpConnection()
    frames = b.FrameReader()

    async def one(pdu: bytes) -> bool:
        try:
            msg = b.decode(pdu)
        except b.ProtocolError as exc:
            resp = b.error_response(exc)
            if resp is None:
                return False
            writer.write(b.encode(resp))
            return True
        try:
            resp, close = await _tcp_dispatch(engine, msg, conn)
        except Exception:
            log.exception("vac gateway tcp: request failed")
            if isinstance(msg, b.CheckPrice):
                resp, close = (
                    b.CheckPriceResp(
                        sequence_id=msg.sequence_id, result_code=RC.INTERNAL_ERROR, need_confirm=-1
                    ),
                    False,
                )
            else:
                return False
        if resp is not None:
            writer.write(b.encode(resp))
        return not close

    try:
        while chunk := await reader.read(65536):
            try:
                pdus = frames.feed(chunk)
            except b.ProtocolError as exc:
                for pdu in exc.frames:
                    await one(pdu)
                if (resp := b.error_response(exc)) is not None:
                    writer.write(b.encode(resp))
                return
            for pdu in pdus:
                if not await one(pdu):
                    return
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """``vasops-gateway``: serve :data:`app` with uvicorn (uvloop + httptools)."""
    parser = argparse.ArgumentParser(prog="vasops-gateway", description="VAC hot-path gateway (ASGI)")
    parser.add_argument("--host", default=c_setting_default("VASOPS_VAC_GATEWAY_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(c_setting_default("VASOPS_VAC_GATEWAY_PORT", "8100")))
    parser.add_argument(
        "--workers", type=int, default=int(c_setting_default("VASOPS_VAC_GATEWAY_WORKERS", "1"))
    )
    parser.add_argument(
        "--tcp-port", type=int, default=None, help="also serve the binary CheckPrice interface"
    )
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    if args.tcp_port is not None:
        os.environ["VASOPS_VAC_GATEWAY_TCP_PORT"] = str(args.tcp_port)
    import uvicorn

    uvicorn.run(
        "vasops.vac.gateway:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_level=args.log_level,
        backlog=4096,
        # Gateways call this service directly; behind a proxy set VASOPS_VAC_GATEWAY_PROXY_HEADERS=1
        # (the X-Forwarded-* rewrite is 3 % of a request's time when nothing needs it).
        proxy_headers=c_setting_default("VASOPS_VAC_GATEWAY_PROXY_HEADERS", "0") in ("1", "true"),
        server_header=False,
    )


def c_setting_default(name: str, default: str) -> str:
    return os.environ.get(name, default)


if __name__ == "__main__":
    main()
