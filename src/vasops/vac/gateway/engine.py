"""The engine of the hot path: every VAC operation the gateway answers, on Redis (reads) and
PostgreSQL (the system of record, through asyncpg). Used by the JSON app (:mod:`.asgi`) and the
binary server (:mod:`.tcp`).

Every decision is :func:`vasops.vac.rules.decide` — the function ``vac.actions`` uses — on the
same facts (tests/test_gateway.py proves the answers and the rows equal). Reads come from Redis
and fall back to PostgreSQL (filling the cache); writes are one PostgreSQL transaction, answered
only after COMMIT, then the user's cache entry is invalidated (a write first marks the user
"being written" in Redis, so a gateway killed between COMMIT and invalidation leaves no stale
entry: see vac.cache). Concurrent on-demand uses and per-use CDRs are written by group commit
(:class:`GroupCommit`): one multi-row statement and one COMMIT per batch. Database access is
asyncpg (binary protocol, statements prepared and cached per connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from vasops.catalog import rules as catalog_rules
from vasops.vac import cache as c
from vasops.vac import ids, rules
from vasops.vac import msisdn as numbers
from vasops.vac.gateway import sql
from vasops.vac.gateway.config import Config
from vasops.vac.protocol.codes import ResultCode
from vasops.vac.sms import texts

log = logging.getLogger("vasops.vac.gateway")

WILDCARD_SP = "00000"  # op 3 over every SP
ACTOR = "gateway"
SHANGHAI = rules.SHANGHAI
FAR_FUTURE = rules.FAR_FUTURE
RC = ResultCode


# --- pure helpers ----------------------------------------------------------------------------


def normalise_msisdn(value: str) -> str | None:
    """The bare 11-digit number (vasops.vac.msisdn.bare); None = 107."""
    return numbers.bare(value)


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
    confirmed_upstream: bool = False,
) -> rules.Facts:
    """The facts vac.actions.facts_for reads, from the cached product and user state."""
    status = _status(info.partner_code, info.product_status)
    version = info.version_at(now)
    source = status.source
    if version is None:
        price, mode, level = 0, info.billing_mode, "not_live"
    else:
        (price, mode), level = version, status.level
    if info.blocks:
        blocked = info.blocked_by(now)
        if blocked is not None:
            level, source = rules.BLOCKED_LEVEL, blocked
    rel = user.relations.get(info.id) if use_cached_relation else relation
    return rules.Facts(
        now=now,
        level=level,
        level_source=source,
        billing_mode=mode,
        price_fen=price,
        channel=channel,
        account_closed=user.closed,
        user_blocked=user.blocked(info.service_type),
        subscription_state=rel.state if rel else None,
        requested_at=rel.requested_at if rel else None,
        last_charged_month=rel.last_charged_month if rel else "",
        confirm_interval=confirm_interval,
        confirmed_upstream=confirmed_upstream,
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


@dataclass(frozen=True, slots=True)
class NotifyTarget:
    """What a notification says about the product (the fields of ProductInfo it reads)."""

    service_type: str
    sp_id: str
    product_code: str
    partner_id: int


def outbox_args(
    info: c.ProductInfo | NotifyTarget,
    msisdn: str,
    update_type: int,
    now: dt.datetime,
    *,
    sub_id: int | None,
    link_id: str = "",
    desc: str = "",
    content: str = "",
    effective_at: dt.datetime | None = None,
    expiry_at: dt.datetime | None = None,
) -> list[Any]:
    """The parameters of :data:`sql.OUTBOX_SQL`: the B.3 values of one notification. ``userId``
    carries the country code; an open-ended relation expires :data:`FAR_FUTURE`; ``updateDesc``
    is the access number (or empty), never a reason."""
    return [
        stamp(now, "%y%m%d"),
        numbers.COUNTRY_CODE + msisdn,
        info.service_type,
        info.sp_id,
        info.product_code,
        update_type,
        stamp(now),
        desc[:100],
        link_id[:20],
        content[:140],
        stamp(effective_at),
        stamp(expiry_at) if expiry_at is not None else FAR_FUTURE,
        stamp(now, "%m%d%H%M%S"),
        now,
        info.partner_id,
        sub_id,
    ]


async def _end_relation(con: Any, row: Any, new_state: str, event: str, reason: str, now: Any) -> None:
    """Unsubscribe, block or drop one relation inside the caller's transaction: its new state and
    expiry, and the history row, exactly as the Django actions write them."""
    await con.execute(sql.END_SQL, row["id"], new_state, now)
    await con.execute(
        sql.HISTORY_SQL, row["id"], row["channel"], reason[:255], now, [event], [row["state"]], [new_state]
    )


async def _notify_ended(
    con: Any, target: c.ProductInfo | NotifyTarget, msisdn: str, row: Any, now: dt.datetime, desc: str = ""
) -> None:
    """The SP is told (updateType 2) that the relation ``row`` ended at ``now``."""
    args = outbox_args(
        target,
        msisdn,
        2,
        now,
        sub_id=row["id"],
        link_id=row["link_id"],
        desc=desc,
        effective_at=row["effective_at"],
        expiry_at=now,
    )
    await con.execute(sql.OUTBOX_SQL, *args)


def on_demand_row(
    info: c.ProductInfo,
    msisdn: str,
    link_id: str,
    now: dt.datetime,
    cdr: str,
    fee: int,
    charge: bool,
    desc: str = "",
) -> tuple[Any, ...]:
    """One request's elements of :data:`sql.ON_DEMAND_SQL`."""
    return (msisdn, info.service_type, info.sp_id, info.product_code, link_id[:20], now, info.partner_id,
            cdr, info.id, fee, charge, desc[:100])  # fmt: skip


# --- group commit ----------------------------------------------------------------------------

NEW, SAME, CLASH = "new", "same", "clash"
Outcome = tuple[str, str]  # (NEW | SAME | CLASH, the LinkID stored with a SAME CDR)


@dataclass(frozen=True, slots=True)
class CdrColumns:
    """Where a row of a group-committed statement keeps its CDR: the positions of the id, the
    user, the product, the fee and (None = always) whether it charges."""

    cdr: int
    msisdn: int
    product: int
    fee: int
    charge: int | None = None


CDR_BATCH_COLUMNS = CdrColumns(cdr=0, msisdn=1, product=2, fee=4)
ON_DEMAND_COLUMNS = CdrColumns(cdr=7, msisdn=0, product=8, fee=9, charge=10)


class GroupCommit:
    """Group commit of one multi-row statement: the rows of concurrent callers are written by
    one statement taking one array per column (``unnest``), in one transaction, and each caller
    returns only after that COMMIT. While a batch commits the next one gathers (up to
    ``in_flight`` batches commit at once), so one fsync serves many CDRs. A failing batch is
    retried row by row (the same statement with one-element arrays), so one bad row fails only
    its own caller.

    The statement returns the CDR ids it wrote. A caller whose id was already written gets
    ``SAME`` (with that row's LinkID) when the stored CDR is the same request (user, product,
    fee), else ``CLASH`` — never a silent success for a charge that was not written."""

    def __init__(
        self, engine: Engine, statement: str, columns: CdrColumns, max_batch: int = 1000, in_flight: int = 2
    ) -> None:
        self.engine, self.sql, self.cols, self.max_batch = engine, statement, columns, max_batch
        self.queue: list[tuple[tuple[Any, ...], asyncio.Future[Outcome]]] = []
        self.running = 0
        self.in_flight = in_flight

    async def submit(self, args: tuple[Any, ...]) -> Outcome:
        fut: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self.queue.append((args, fut))
        if self.running < self.in_flight:
            self.running += 1
            task = asyncio.get_running_loop().create_task(self._run())
            self.engine._tasks.add(task)
            task.add_done_callback(self.engine._tasks.discard)
        return await fut

    @staticmethod
    def columns(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
        return [list(col) for col in zip(*rows, strict=True)]

    async def _write(self, batch: list[tuple[tuple[Any, ...], asyncio.Future[Outcome]]]) -> None:
        # One statement is one implicit transaction: it commits as a whole or not at all, in one
        # round trip (no BEGIN / COMMIT of their own).
        written = {
            r[0] for r in await self.engine.pool.fetch(self.sql, *self.columns([a for a, _f in batch]))
        }
        cols, seen = self.cols, set()
        outcomes: list[Outcome | None] = []
        for args, _fut in batch:
            if cols.charge is not None and not args[cols.charge]:
                outcomes.append((NEW, ""))
                continue
            cdr = args[cols.cdr]
            if cdr in written and cdr not in seen:
                seen.add(cdr)
                outcomes.append((NEW, ""))
            else:
                outcomes.append(None)
        unsure = [args for (args, _f), out in zip(batch, outcomes, strict=True) if out is None]
        stored: dict[str, Any] = {}
        if unsure:
            rows = await self.engine.pool.fetch(sql.EXISTING_CDRS_SQL, [a[cols.cdr] for a in unsure])
            stored = {r["cdr_id"]: r for r in rows}
        for (args, fut), out in zip(batch, outcomes, strict=True):
            if out is None:
                row = stored.get(args[cols.cdr])
                same = row is not None and (row["msisdn"], row["product_id"], row["fee_fen"]) == (
                    args[cols.msisdn],
                    args[cols.product],
                    args[cols.fee],
                )
                out = (SAME, row["link_id"]) if same and row is not None else (CLASH, "")
            if not fut.done():
                fut.set_result(out)

    async def _run(self) -> None:
        try:
            while self.queue:
                batch, self.queue = self.queue[: self.max_batch], self.queue[self.max_batch :]
                try:
                    await self._write(batch)
                except Exception:
                    for item in batch:
                        try:
                            await self._write([item])
                        except Exception as exc:
                            if not item[1].done():
                                item[1].set_exception(exc)
        finally:
            self.running -= 1


async def _reset_connection(con: Any) -> None:
    """What the pool does to a connection it takes back, beyond asyncpg's own clean-up (which
    already rolls back a transaction left open by a cancelled request): nothing. asyncpg's default
    sends ``RESET ALL; UNLISTEN *; CLOSE ALL`` — one more round trip per query — for session state
    this service never sets (it LISTENs on a connection of its own)."""


# --- the engine ------------------------------------------------------------------------------


class Engine:
    """Every VAC operation of the hot path; used by the HTTP app and the binary server."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.cache: c.AsyncCache | None = None
        self.pool: Any = None
        self._listener: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.on_demand_writes = GroupCommit(self, sql.ON_DEMAND_SQL, ON_DEMAND_COLUMNS)
        self.cdr_writes = GroupCommit(self, sql.CDR_BATCH_SQL, CDR_BATCH_COLUMNS)
        self.now = config.clock.now

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

    async def product(self, sp_id: str, product_code: str) -> c.ProductInfo | int:
        """The product (from the cache), or its A.9 code when unknown (2000 / 2100)."""
        assert self.cache is not None
        raw = await self.cache.redis.execute("GET", self.cache.keys.product(sp_id, product_code))
        return c.decode_product(raw) if raw is not None else await self._load_product(sp_id, product_code)

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

    async def _prepare(
        self, msisdn: str, sp_id: str, product_code: str
    ) -> tuple[str, c.ProductInfo, c.UserState] | dict[str, Any]:
        """What every operation on a user and a product starts with: the bare MSISDN, the product
        and the user's cached state — or the refusal (A.9: 1 invalid MSISDN, 2000 / 2100 …)."""
        number = numbers.bare(msisdn)
        if number is None:
            return answer(RC.MSISDN_INVALID)
        info, user = await self.load(sp_id, product_code, number)
        if isinstance(info, int):
            return answer(info)
        return number, info, user

    def facts(self, info: c.ProductInfo, user: c.UserState, now: dt.datetime, **kw: Any) -> rules.Facts:
        return build_facts(info, user, now, confirm_interval=self.config.confirm_interval, **kw)

    async def _locked(
        self, con: Any, info: c.ProductInfo, msisdn: str
    ) -> tuple[c.UserState, c.Relation | None, Any]:
        """Inside a transaction: the live relation (locked) and the user's flags, from PostgreSQL."""
        row = await con.fetchrow(sql.LOCK_SQL, msisdn, info.id)
        closed, blocked = await con.fetchrow(sql.USER_FLAGS_SQL, msisdn, info.service_type)
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
        """鉴权计费 (op 0) — vac.actions.authenticate_use. A per-use charge under a ``cdr_id``
        that is already written answers as the first time when it is the same request, 3105
        (CDR duplicated) when it is another."""
        prepared = await self._prepare(msisdn, sp_id, product_code)
        if isinstance(prepared, dict):
            return prepared
        number, info, user = prepared
        now = self.now()
        facts = self.facts(info, user, now)
        decision = rules.decide(rules.Op.AUTH_CHARGE, facts)
        if not decision.ok or not decision.charge or not commit_charge:
            return answer(decision.code, price_fen=decision.price_fen, charge=decision.charge)
        if facts.subscription_state is not None and facts.billing_mode == "monthly":
            return await self._charge_month(info, number)
        cdr = cdr_id or ids.cdr_id()
        outcome, _link = await self.cdr_writes.submit(
            (cdr, number, info.id, info.partner_id, decision.price_fen, "per_use", now)
        )
        if outcome == CLASH:
            return answer(RC.CDR_DUPLICATE)
        return answer(decision.code, price_fen=decision.price_fen, charge=True, cdr_id=cdr)

    async def _charge_month(self, info: c.ProductInfo, msisdn: str) -> dict[str, Any]:
        """First use in a calendar month of a monthly relation: decided again on the locked row."""
        async with self.writing(msisdn), self.pool.acquire() as con, con.transaction():
            now = self.now()
            user, rel, row = await self._locked(con, info, msisdn)
            decision = rules.decide(
                rules.Op.AUTH_CHARGE, self.facts(info, user, now, relation=rel, use_cached_relation=False)
            )
            cdr = None
            if decision.ok and decision.charge and row is not None:
                month = rules.month_key(now)
                cdr = f"M{row['id']}-{month}"
                await con.execute(
                    sql.CDR_SQL, cdr, msisdn, info.id, info.partner_id, decision.price_fen, "monthly", now
                )
                await con.execute(sql.CHARGED_MONTH_SQL, row["id"], month, now)
        extra = {"cdr_id": cdr} if cdr else {}
        return answer(decision.code, price_fen=decision.price_fen, charge=decision.charge, **extra)

    async def check(self, msisdn: str, sp_id: str, product_code: str) -> dict[str, Any]:
        """定购关系鉴权 (op 6) — vac.actions.check."""
        prepared = await self._prepare(msisdn, sp_id, product_code)
        if isinstance(prepared, dict):
            return prepared
        _number, info, user = prepared
        decision = rules.decide(rules.Op.CHECK, self.facts(info, user, self.now()))
        return answer(decision.code)

    async def subscribe(
        self,
        msisdn: str,
        sp_id: str,
        product_code: str,
        *,
        channel: str = "sms",
        link_id: str = "",
        confirmed_upstream: bool = False,
        desc: str = "",
        content: str = "",
    ) -> dict[str, Any]:
        """订购 (op 1) — vac.actions.subscribe. ``confirmed_upstream``: the engine asked the user
        already (SPMS, VAC.md A.10), so the relation is active at once. A relation left pending
        gets its double-confirmation SMS queued in the same transaction. ``desc``: the access
        number the user ordered at (updateDesc); a CRM order takes the product's."""
        prepared = await self._prepare(msisdn, sp_id, product_code)
        if isinstance(prepared, dict):
            return prepared
        number, info, _user = prepared
        async with self.writing(number), self.pool.acquire() as con, con.transaction():
            now = self.now()
            user, rel, _row = await self._locked(con, info, number)
            facts = self.facts(
                info,
                user,
                now,
                channel=channel,
                relation=rel,
                use_cached_relation=False,
                confirmed_upstream=confirmed_upstream,
            )
            decision = rules.decide(rules.Op.SUBSCRIBE, facts)
            if not decision.ok:
                return answer(decision.code)
            pending = decision.outcome is rules.Outcome.PENDING
            month = rules.month_key(now) if decision.charge else ""
            sub_id = await con.fetchval(
                sql.INSERT_SUB_SQL,
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
            if pending:
                hours = max(1, int(self.config.confirm_interval.total_seconds()) // 3600)
                text = texts.confirm_request(info.name, facts.price_fen, facts.billing_mode, hours)
                await con.execute(sql.CONFIRM_SMS_SQL, number, text, sub_id, now)
            else:
                events.append("activated")
                froms.append("pending_confirmation")
                tos.append("active")
                if decision.charge:
                    cdr = f"M{sub_id}-{month}"
                    await con.execute(
                        sql.CDR_SQL, cdr, number, info.id, info.partner_id, decision.price_fen, "monthly", now
                    )
                desc = desc or (info.access_number if channel in rules.TRUSTED_CHANNELS else "")
                args = outbox_args(
                    info, number, 1, now, sub_id=sub_id, link_id=link_id, desc=desc, content=content,
                    effective_at=now,
                )  # fmt: skip
                await con.execute(sql.OUTBOX_SQL, *args)
            await con.execute(sql.HISTORY_SQL, sub_id, channel, "", now, events, froms, tos)
        state = "pending_confirmation" if pending else "active"
        extra: dict[str, Any] = {"state": state, "subscription_id": sub_id}
        if cdr:
            extra["cdr_id"] = cdr
        return answer(decision.code, price_fen=decision.price_fen, charge=decision.charge, **extra)

    async def unsubscribe(
        self, msisdn: str, sp_id: str, product_code: str, *, reason: str = "", desc: str = ""
    ) -> dict[str, Any]:
        """退订 (op 2) — vac.actions.unsubscribe (a pending relation is dropped, nobody told)."""
        prepared = await self._prepare(msisdn, sp_id, product_code)
        if isinstance(prepared, dict):
            return prepared
        number, info, _user = prepared
        async with self.writing(number), self.pool.acquire() as con, con.transaction():
            now = self.now()
            user, rel, row = await self._locked(con, info, number)
            facts = self.facts(info, user, now, relation=rel, use_cached_relation=False)
            decision = rules.decide(rules.Op.UNSUBSCRIBE, facts)
            if not decision.ok:
                return answer(decision.code)
            assert row is not None
            drop = row["state"] == "pending_confirmation" or decision.outcome is rules.Outcome.DROP
            new_state, event = ("dropped", "dropped") if drop else ("unsubscribed", "unsubscribed")
            await _end_relation(con, row, new_state, event, reason, now)
            if not drop:  # updateDesc as vac.actions: the access number given, or a CRM order's
                desc = desc or (info.access_number if row["channel"] in rules.TRUSTED_CHANNELS else "")
                await _notify_ended(con, info, number, row, now, desc)
        return answer(decision.code, state=new_state)

    async def confirm(
        self, msisdn: str, sp_id: str, product_code: str, *, now: dt.datetime | None = None
    ) -> dict[str, Any]:
        """The user's 二次确认 reply — vac.actions.confirm: decided on the locked pending row; in
        time it becomes active (first month charged, SP told, updateType 1), too late it is
        dropped and the answer is 8 (the drop is kept). ``now`` is for tests; default the clock."""
        prepared = await self._prepare(msisdn, sp_id, product_code)
        if isinstance(prepared, dict):
            return prepared
        number, info, _user = prepared
        async with self.writing(number), self.pool.acquire() as con, con.transaction():
            now = now or self.now()
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
            await con.execute(sql.ACTIVATE_SQL, row["id"], now, month)
            cdr = None
            if month is not None:
                cdr = f"M{row['id']}-{month}"
                await con.execute(
                    sql.CDR_SQL, cdr, number, info.id, info.partner_id, decision.price_fen, "monthly", now
                )
            args = outbox_args(
                info, number, 1, now, sub_id=row["id"], link_id=row["link_id"], effective_at=now
            )
            await con.execute(sql.OUTBOX_SQL, *args)
            await con.execute(
                sql.HISTORY_SQL, row["id"], row["channel"], "", now, ["activated"], [row["state"]], ["active"]
            )
        extra: dict[str, Any] = {"state": "active", "subscription_id": row["id"]}
        if cdr:
            extra["cdr_id"] = cdr
        return answer(decision.code, price_fen=decision.price_fen, charge=decision.charge, **extra)

    async def on_demand(
        self,
        msisdn: str,
        sp_id: str,
        product_code: str,
        *,
        link_id: str = "",
        cdr_id: str | None = None,
        desc: str = "",
    ) -> dict[str, Any]:
        """点播 (op 4) — vac.actions.on_demand: the CDR and the SP notification (updateType 3) in
        one statement. A re-sent request (same ``cdr_id``, same user, product and fee) answers the
        LinkID of the first answer and writes nothing; another request under a used id is 3105."""
        prepared = await self._prepare(msisdn, sp_id, product_code)
        if isinstance(prepared, dict):
            return prepared
        number, info, user = prepared
        now = self.now()
        decision = rules.decide(rules.Op.ON_DEMAND, self.facts(info, user, now))
        if not decision.ok:
            return answer(decision.code)
        link_id = link_id or ids.link_id(now)
        cdr = (cdr_id or ids.cdr_id()) if decision.charge else None
        outcome, stored_link = await self.on_demand_writes.submit(
            on_demand_row(info, number, link_id, now, cdr or "", decision.price_fen, decision.charge, desc)
        )
        if outcome == CLASH:
            return answer(RC.CDR_DUPLICATE)
        extra: dict[str, Any] = {"link_id": stored_link if outcome == SAME else link_id}
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
                await _notify_ended(con, target, msisdn, row, now)

    async def unsubscribe_all(
        self, msisdn: str, *, service_type: str = "00", sp_id: str = "", reason: str = ""
    ) -> dict[str, Any]:
        """全部退订 (op 3) — vac.actions.unsubscribe_all: every live relation of the user in the
        scope (service type "00" = all types; SP "" / "00000" = all SPs)."""
        number = numbers.bare(msisdn)
        if number is None:
            return answer(RC.MSISDN_INVALID)
        partner_id = None
        if sp_id not in ("", WILDCARD_SP):
            partner_id = await self.pool.fetchval(sql.PARTNER_SQL, sp_id)
            if partner_id is None:
                return answer(RC.SP_NOT_FOUND)
        async with self.writing(number), self.pool.acquire() as con, con.transaction():
            now = self.now()
            rows = await con.fetch(sql.SCOPE_SQL, number, service_type, partner_id)
            closed = await con.fetchval(sql.CLOSED_SQL, number)
            facts = rules.Facts(now=now, account_closed=closed, live_count=len(rows))
            decision = rules.decide(rules.Op.UNSUBSCRIBE_ALL, facts)
            if not decision.ok:
                return answer(decision.code)
            await self._end_relations(con, number, rows, now, reason or "全部退订")
        return answer(decision.code, changed=len(rows))

    async def block(self, msisdn: str, *, service_type: str = "00", reason: str = "") -> dict[str, Any]:
        """屏蔽业务能力 (op 7) — vac.actions.block_user: the relations in scope end (blocked)."""
        number = numbers.bare(msisdn)
        if number is None:
            return answer(RC.MSISDN_INVALID)
        async with self.writing(number), self.pool.acquire() as con, con.transaction():
            now = self.now()
            closed = await con.fetchval(sql.CLOSED_SQL, number)
            blocked = await con.fetchval(sql.BLOCKED_SQL, number, service_type)
            facts = rules.Facts(now=now, account_closed=closed, user_blocked=blocked)
            decision = rules.decide(rules.Op.BLOCK, facts)
            if not decision.ok:
                return answer(decision.code)
            block_id = await con.fetchval(sql.INSERT_BLOCK_SQL, number, service_type, now, reason[:255])
            if block_id is None:  # a concurrent block won the partial unique index
                return answer(RC.CANNOT_BLOCK_RESTORE)
            rows = await con.fetch(sql.SCOPE_SQL, number, service_type, None)
            await self._end_relations(con, number, rows, now, reason or "用户屏蔽业务能力", block=True)
        return answer(decision.code, changed=len(rows))

    async def restore(self, msisdn: str, *, service_type: str = "00", reason: str = "") -> dict[str, Any]:
        """恢复业务能力 (op 8) — vac.actions.restore_user (ended relations are not restored)."""
        del reason  # kept in the request for the record; vac.actions stores none either
        number = numbers.bare(msisdn)
        if number is None:
            return answer(RC.MSISDN_INVALID)
        async with self.writing(number), self.pool.acquire() as con, con.transaction():
            now = self.now()
            block_id = await con.fetchval(sql.LOCK_BLOCK_SQL, number, service_type)
            closed = await con.fetchval(sql.CLOSED_SQL, number)
            facts = rules.Facts(now=now, account_closed=closed, user_blocked=block_id is not None)
            decision = rules.decide(rules.Op.RESTORE, facts)
            if not decision.ok:
                return answer(decision.code)
            await con.execute(sql.RESTORE_SQL, block_id, now)
        return answer(decision.code)
