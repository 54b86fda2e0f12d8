"""The Redis cache of the VAC hot path: live order relations per user and product/partner state.

PostgreSQL is the system of record; everything here can be rebuilt from it (:func:`rebuild`) and
is invalidated on every change:

* ``{p}u:{<msisdn>}`` — one hash per user: ``_`` = "1" (the hash is complete for that user),
  ``c`` = "1" (account closed), ``b<st>`` = "1" (user blocked for service type ``st``, "00" = all),
  and one field per live relation, named by the product id, valued ``a<YYYYMM>`` (active, month
  last charged) or ``p<µs since epoch>`` (pending double confirmation, requested at). A user
  without relations is cached for :data:`EMPTY_USER_TTL` seconds only, so memory follows the
  number of active relations (≈ 100 bytes each, see bench/vac.py).
* ``{p}g:{<msisdn>}`` — generation of the user, bumped on every invalidation (lives
  :data:`GEN_TTL` seconds): a fill only lands when the generation it read before querying
  PostgreSQL is still the current one, so a slow reader never caches a pre-commit state.
* ``{p}d:{<msisdn>}`` — count of gateway writes in flight for the user (lives
  :data:`DIRTY_TTL` seconds): set before a write transaction, decremented after its COMMIT and
  invalidation; while it exists no fill lands. A gateway killed between COMMIT and invalidation
  therefore leaves no stale hash behind: the mark expires and the next read loads the committed
  state (tests/test_crash_safety.py).
* ``{p}{cat}pd:<sp_id>:<product_code>`` — JSON of a product, its partner's status, its business
  line's service type and its price versions (or ``{"e": 2000|2100}`` when unknown); listed in
  ``{p}{cat}idx`` and guarded by the generation ``{p}{cat}gen``. Catalogue and partner changes are
  rare: any change flushes them all (:func:`flush_catalog`); PostgreSQL triggers
  (:data:`TRIGGER_SQL`) announce them on the ``vasops_vac_catalog`` channel, which the gateway
  listens to.

Writers call :func:`invalidate_user` (sync, Django side, on commit) or
:meth:`AsyncCache.invalidate_user` (gateway, after commit).
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import functools
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

GEN_TTL = 120
DIRTY_TTL = 60  # > the longest write transaction (the gateway's command timeout is 30 s)
EMPTY_USER_TTL = 3600
UNKNOWN_PRODUCT_TTL = 300
NOTIFY_CHANNEL = "vasops_vac_catalog"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# --- configuration ---------------------------------------------------------------------------


def settings_config() -> tuple[str, str]:
    """(redis url, key prefix): ``VASOPS_VAC_REDIS_URL`` (default ``REDIS_URL``) and
    ``VASOPS_VAC_CACHE_PREFIX`` (default ``vac:``), from the settings or the environment."""
    return setting("VASOPS_VAC_REDIS_URL", "") or setting("REDIS_URL", ""), setting(
        "VASOPS_VAC_CACHE_PREFIX", "vac:"
    )


def setting(name: str, default: str) -> str:
    """A Django setting, else the environment variable of the same name, else ``default``."""
    import os

    from django.conf import settings

    value = getattr(settings, name, None)
    if value is None or value == "":
        value = os.environ.get(name, default)
    return str(value)


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str = "vac:"

    def user(self, msisdn: str) -> str:
        return f"{self.prefix}u:{{{msisdn}}}"

    def gen(self, msisdn: str) -> str:
        return f"{self.prefix}g:{{{msisdn}}}"

    def dirty(self, msisdn: str) -> str:
        return f"{self.prefix}d:{{{msisdn}}}"

    def product(self, sp_id: str, product_code: str) -> str:
        return f"{self.prefix}{{cat}}pd:{sp_id}:{product_code}"

    def device(self, device_id: str) -> str:
        """The binary-interface device bound on some gateway process (vac.gateway.tcp)."""
        return f"{self.prefix}bind:{device_id}"

    @property
    def catalog_index(self) -> str:
        return f"{self.prefix}{{cat}}idx"

    @property
    def catalog_gen(self) -> str:
        return f"{self.prefix}{{cat}}gen"


# --- encoding --------------------------------------------------------------------------------


def micros(when: dt.datetime) -> int:
    delta = when - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=value)


@dataclass(frozen=True, slots=True)
class Relation:
    state: str  # "active" | "pending_confirmation"
    last_charged_month: str = ""
    requested_at: dt.datetime | None = None


@dataclass(slots=True)
class UserState:
    closed: bool = False
    blocks: frozenset[str] = frozenset()
    relations: dict[int, Relation] = field(default_factory=dict)

    def blocked(self, service_type: str) -> bool:
        return "00" in self.blocks or service_type in self.blocks

    def encode(self) -> dict[str, str]:
        fields = {"_": "1"}
        if self.closed:
            fields["c"] = "1"
        for st in self.blocks:
            fields[f"b{st}"] = "1"
        for product_id, rel in self.relations.items():
            if rel.state == "active":
                fields[str(product_id)] = f"a{rel.last_charged_month}"
            else:
                fields[str(product_id)] = f"p{micros(rel.requested_at or EPOCH)}"
        return fields

    @property
    def ttl(self) -> int:
        return 0 if self.relations else EMPTY_USER_TTL


def decode_user(raw: dict[bytes, bytes] | dict[str, str]) -> UserState | None:
    """The user hash as read by HGETALL; None when absent or incomplete (a cache miss)."""
    if not raw:
        return None
    state = UserState()
    blocks = []
    complete = False
    for k, v in raw.items():
        key = k.decode() if isinstance(k, bytes) else k
        val = v.decode() if isinstance(v, bytes) else v
        head = key[:1]
        if head == "_":
            complete = True
        elif head == "c":
            state.closed = True
        elif head == "b":
            blocks.append(key[1:])
        elif val[:1] == "a":
            state.relations[int(key)] = Relation("active", val[1:])
        elif val[:1] == "p":
            state.relations[int(key)] = Relation("pending_confirmation", "", from_micros(int(val[1:])))
    if not complete:
        return None
    state.blocks = frozenset(blocks)
    return state


def user_from_rows(rows: Iterable[tuple[Any, ...]]) -> UserState:
    """Rows of :data:`USER_SQL` → the user's state."""
    state = UserState()
    blocks = []
    for kind, key, st, month, requested in rows:
        if kind == "r":
            state.relations[int(key)] = Relation(st, month or "", requested)
        elif kind == "b":
            blocks.append(key)
        elif kind == "c":
            state.closed = True
    state.blocks = frozenset(blocks)
    return state


@dataclass(frozen=True, slots=True)
class ProductInfo:
    """A product as the hot path needs it (with its partner's status)."""

    id: int
    partner_id: int
    sp_id: str
    product_code: str
    service_type: str
    billing_mode: str
    partner_code: str  # PRM A7 status of the partner
    product_status: str  # PRM A.10 status of the product
    versions: tuple[tuple[int, int | None, int, str], ...]  # (from µs, to µs | None, fee, mode)
    name: str = ""  # the product's name (the double-confirmation SMS names it)
    access_number: str = ""  # 业务接入号 (updateDesc of a CRM-side order, VAC.md B.3)
    # 业务屏蔽 not lifted (vac.ServiceBlock): (whole partner?, from µs, to µs | None); usually empty
    blocks: tuple[tuple[bool, int, int | None], ...] = ()

    def blocked_by(self, when: dt.datetime) -> str | None:
        """ "partner" / "product" when a service block is in force at ``when``, else None."""
        if not self.blocks:
            return None
        at = micros(when)
        found = None
        for whole, start, end in self.blocks:
            if start <= at and (end is None or at < end):
                if whole:
                    return "partner"
                found = "product"
        return found

    def version_at(self, when: dt.datetime) -> tuple[int, str] | None:
        """(fee, billing mode) of the version valid at ``when`` (catalog.queries.version_at)."""
        at = micros(when)
        best: tuple[int, int | None, int, str] | None = None
        for v in self.versions:
            if v[0] <= at and (v[1] is None or v[1] > at) and (best is None or v[0] > best[0]):
                best = v
        return (best[2], best[3]) if best else None

    def encode(self) -> bytes:
        return orjson.dumps(
            {
                "id": self.id,
                "pa": self.partner_id,
                "sp": self.sp_id,
                "pc": self.product_code,
                "st": self.service_type,
                "bm": self.billing_mode,
                "ps": self.partner_code,
                "us": self.product_status,
                "v": self.versions,
                "nm": self.name,
                "an": self.access_number,
                "bk": self.blocks,
            }
        )


_decoded: dict[bytes | str, ProductInfo | int] = {}


def decode_product(raw: bytes | str) -> ProductInfo | int:
    """The product JSON → ProductInfo, or the A.9 code (2000 / 2100) when unknown (memoised by
    content: products are few and their JSON changes with them)."""
    hit = _decoded.get(raw)
    if hit is not None:
        return hit
    if len(_decoded) > 4096:
        _decoded.clear()
    info = _decoded[raw] = _decode_product(raw)
    return info


def _decode_product(raw: bytes | str) -> ProductInfo | int:
    data = orjson.loads(raw)
    if "e" in data:
        return int(data["e"])
    return ProductInfo(
        id=data["id"],
        partner_id=data["pa"],
        sp_id=data["sp"],
        product_code=data["pc"],
        service_type=data["st"],
        billing_mode=data["bm"],
        partner_code=data["ps"],
        product_status=data["us"],
        versions=tuple(tuple(v) for v in data["v"]),  # type: ignore[misc]
        name=data.get("nm", ""),
        access_number=data.get("an", ""),
        blocks=tuple(
            (bool(b[0]), int(b[1]), None if b[2] is None else int(b[2])) for b in data.get("bk", ())
        ),
    )


def encode_unknown(code: int) -> bytes:
    return orjson.dumps({"e": code})


def product_from_row(row: Any, sp_id: str, product_code: str) -> ProductInfo | int:
    """A row of :data:`PRODUCT_SQL` (or None) → ProductInfo or 2000 (SP) / 2100 (service)."""
    from vasops.catalog import rules as catalog_rules
    from vasops.vac.protocol.codes import ResultCode

    if row is None:
        return int(ResultCode.SP_NOT_FOUND)
    partner = row[0] if isinstance(row[0], dict) else orjson.loads(row[0])
    if row[1] is None:
        return int(ResultCode.SERVICE_NOT_FOUND)
    versions = orjson.loads(row[5]) if isinstance(row[5], str | bytes) else (row[5] or [])
    return ProductInfo(
        id=int(row[1]),
        partner_id=int(partner["id"]),
        sp_id=sp_id,
        product_code=product_code,
        service_type=row[4] or "",
        billing_mode=row[2],
        partner_code=catalog_rules.partner_a7_code(partner.get("unicom_status"), partner.get("state", "")),
        product_status=row[3] or "",
        versions=tuple(
            (int(v[0]), None if v[1] is None else int(v[1]), int(v[2]), str(v[3])) for v in versions
        ),
        name=row[6] or "",
        access_number=row[7] or "",
        blocks=_blocks(row[8] if len(row) > 8 else None),
    )


def _blocks(raw: Any) -> tuple[tuple[bool, int, int | None], ...]:
    rows = orjson.loads(raw) if isinstance(raw, str | bytes) else (raw or [])
    return tuple((bool(b[0]), int(b[1]), None if b[2] is None else int(b[2])) for b in rows)


# --- SQL (shared by the gateway's asyncpg reads and the psycopg rebuild) ---------------------

USER_SQL = """
SELECT 'r', product_id::text, state, last_charged_month, requested_at
  FROM vac_subscription WHERE msisdn = $1 AND state IN ('pending_confirmation', 'active')
UNION ALL
SELECT 'b', service_type, '', '', NULL FROM vac_userblock WHERE msisdn = $1 AND state = 'blocked'
UNION ALL
SELECT 'c', '', '', '', NULL FROM vac_account WHERE msisdn = $1 AND state = 'closed'
"""

PRODUCT_SQL = """
SELECT to_jsonb(pa), p.id, p.billing_mode, p.unicom_status, bl.service_type,
       (SELECT coalesce(json_agg(json_build_array(
                   (extract(epoch FROM v.valid_from) * 1000000)::bigint,
                   (extract(epoch FROM v.valid_to) * 1000000)::bigint,
                   v.fee_fen, v.billing_mode)), '[]')
          FROM catalog_productversion v WHERE v.product_id = p.id),
       p.name, p.access_number,
       (SELECT coalesce(json_agg(json_build_array(
                   b.scope = 'partner',
                   (extract(epoch FROM b.starts_at) * 1000000)::bigint,
                   (extract(epoch FROM b.ends_at) * 1000000)::bigint)), '[]')
          FROM vac_serviceblock b
         WHERE b.partner_id = pa.id AND b.lifted_at IS NULL
           AND (b.scope = 'partner' OR b.product_id = p.id
                OR (b.scope = 'line' AND b.business_line_id = p.business_line_id)))
  FROM partners_partner pa
  LEFT JOIN catalog_product p ON p.partner_id = pa.id AND p.product_code = $2
  LEFT JOIN catalog_businessline bl ON bl.id = p.business_line_id
 WHERE pa.enterprise_code = $1
 ORDER BY p.id LIMIT 1
"""

# Catalogue and partner changes (from any code path, even queryset.update()) are announced to
# the gateways, which flush the cached product/partner state. Installed by
# :func:`install_triggers` (idempotent; the gateway runs it at start).
TRIGGER_SQL = f"""
CREATE OR REPLACE FUNCTION vasops_vac_catalog_changed() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('{NOTIFY_CHANNEL}', TG_TABLE_NAME);
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER vasops_vac_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON partners_partner FOR EACH STATEMENT EXECUTE FUNCTION vasops_vac_catalog_changed();
CREATE OR REPLACE TRIGGER vasops_vac_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON catalog_product FOR EACH STATEMENT EXECUTE FUNCTION vasops_vac_catalog_changed();
CREATE OR REPLACE TRIGGER vasops_vac_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON catalog_productversion FOR EACH STATEMENT EXECUTE FUNCTION vasops_vac_catalog_changed();
CREATE OR REPLACE TRIGGER vasops_vac_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON catalog_businessline FOR EACH STATEMENT EXECUTE FUNCTION vasops_vac_catalog_changed();
CREATE OR REPLACE TRIGGER vasops_vac_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON vac_serviceblock FOR EACH STATEMENT EXECUTE FUNCTION vasops_vac_catalog_changed();
"""

# --- Lua scripts -----------------------------------------------------------------------------

# KEYS: user, gen, dirty. ARGV: expected gen ("" = none), ttl (0 = none), field, value, ...
FILL_USER_LUA = """
local g = redis.call('GET', KEYS[2])
if (g or '') ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1
"""
# KEYS: user, gen. ARGV: gen ttl
INVALIDATE_USER_LUA = """
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return redis.call('DEL', KEYS[1])
"""
# KEYS: dirty. ARGV: ttl — a gateway write begins
MARK_DIRTY_LUA = """
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return n
"""
# KEYS: user, gen, dirty. ARGV: gen ttl — a gateway write ended (committed or not)
END_WRITE_LUA = """
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
if redis.call('DECR', KEYS[3]) <= 0 then redis.call('DEL', KEYS[3]) end
return redis.call('DEL', KEYS[1])
"""
# KEYS: product, index, catalog gen. ARGV: expected gen, json, ttl (0 = none)
FILL_PRODUCT_LUA = """
local g = redis.call('GET', KEYS[3])
if (g or '') ~= ARGV[1] then return 0 end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
redis.call('SADD', KEYS[2], KEYS[1])
return 1
"""
# KEYS: index, catalog gen
FLUSH_CATALOG_LUA = """
redis.call('INCR', KEYS[2])
local ks = redis.call('SMEMBERS', KEYS[1])
for i = 1, #ks, 500 do redis.call('DEL', unpack(ks, i, math.min(i + 499, #ks))) end
redis.call('DEL', KEYS[1])
return #ks
"""


def _fill_args(state: UserState, expected_gen: str) -> list[str | int]:
    args: list[str | int] = [expected_gen, state.ttl]
    for k, v in state.encode().items():
        args += [k, v]
    return args


# --- async client (the gateway) ---------------------------------------------------------------


class RedisError(Exception):
    pass


class _Resp(asyncio.Protocol):
    """One pipelined Redis connection: commands are written back to back, replies matched FIFO."""

    def __init__(self) -> None:
        import hiredis

        self.reader = hiredis.Reader()
        self.error_type = hiredis.ReplyError
        self.waiters: collections.deque[asyncio.Future[Any]] = collections.deque()
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.out: list[bytes] = []

    def send(self, data: bytes) -> None:
        """Queue ``data``; everything queued in one loop iteration goes out in one write."""
        if not self.out:
            asyncio.get_running_loop().call_soon(self._flush)
        self.out.append(data)

    def _flush(self) -> None:
        data, self.out = b"".join(self.out), []
        if self.transport is not None and not self.closed:
            self.transport.write(data)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        while (reply := self.reader.gets()) is not False:
            fut = self.waiters.popleft()
            if not fut.done():
                if isinstance(reply, self.error_type):
                    fut.set_exception(RedisError(str(reply)))
                else:
                    fut.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        while self.waiters:
            fut = self.waiters.popleft()
            if not fut.done():
                fut.set_exception(ConnectionError("redis connection lost"))


class FastRedis:
    """A small asyncio Redis client for the hot path: a few multiplexed, pipelined connections,
    hiredis for parsing and packing. About 5× less CPU per command than redis-py's asyncio
    client (bench/vac.py), which is what bounds a gateway worker."""

    def __init__(self, url: str, connections: int = 2) -> None:
        from urllib.parse import unquote, urlparse

        parts = urlparse(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 6379
        self.db = int((parts.path or "/0").lstrip("/") or 0)
        self.password = unquote(parts.password) if parts.password else None
        self.username = unquote(parts.username) if parts.username else None
        self._conns: list[_Resp | None] = [None] * max(1, connections)
        self._next = 0
        self._lock = asyncio.Lock()
        self._scripts: dict[str, str] = {}

    async def _open(self) -> _Resp:
        import hiredis

        loop = asyncio.get_running_loop()
        _t, proto = await loop.create_connection(_Resp, self.host, self.port)
        setup: list[tuple[Any, ...]] = []
        if self.password is not None:
            setup.append(("AUTH", self.username, self.password) if self.username else ("AUTH", self.password))
        if self.db:
            setup.append(("SELECT", self.db))
        if setup:
            futs = []
            for cmd in setup:
                fut = loop.create_future()
                proto.waiters.append(fut)
                futs.append(fut)
                assert proto.transport is not None
                proto.transport.write(hiredis.pack_command(cmd))
            await asyncio.gather(*futs)
        return proto

    async def _conn(self) -> _Resp:
        i = self._next = (self._next + 1) % len(self._conns)
        conn = self._conns[i]
        if conn is None or conn.closed:
            async with self._lock:
                conn = self._conns[i]
                if conn is None or conn.closed:
                    conn = self._conns[i] = await self._open()
        return conn

    async def pipeline(self, *commands: tuple[Any, ...]) -> list[Any]:
        import hiredis

        conn = await self._conn()
        loop = asyncio.get_running_loop()
        futs = []
        for _ in commands:
            fut = loop.create_future()
            conn.waiters.append(fut)
            futs.append(fut)
        conn.send(b"".join(hiredis.pack_command(cmd) for cmd in commands))
        return [await fut for fut in futs]

    async def execute(self, *command: Any) -> Any:
        return (await self.pipeline(command))[0]

    async def script(self, source: str, keys: list[str], args: list[Any]) -> Any:
        sha = self._scripts.get(source)
        if sha is None:
            sha = self._scripts[source] = hashlib.sha1(source.encode()).hexdigest()  # noqa: S324 - Redis script id
        try:
            return await self.execute("EVALSHA", sha, len(keys), *keys, *args)
        except RedisError as exc:
            if not str(exc).startswith("NOSCRIPT"):
                raise
            return await self.execute("EVAL", source, len(keys), *keys, *args)

    async def close(self) -> None:
        for conn in self._conns:
            if conn is not None and conn.transport is not None:
                conn.transport.close()
        self._conns = [None] * len(self._conns)


def _pairs(flat: list[bytes] | None) -> dict[bytes, bytes]:
    if not flat:
        return {}
    return dict(zip(flat[::2], flat[1::2], strict=True))


class AsyncCache:
    """The gateway's view of the cache."""

    def __init__(self, url: str, prefix: str = "vac:", *, connections: int = 2) -> None:
        self.keys = Keys(prefix)
        self.redis = FastRedis(url, connections)

    async def close(self) -> None:
        await self.redis.close()

    async def read(
        self, sp_id: str, product_code: str, msisdn: str
    ) -> tuple[bytes | None, dict[bytes, bytes]]:
        """(product JSON or None, user hash) in one round trip."""
        product, user = await self.redis.pipeline(
            ("GET", self.keys.product(sp_id, product_code)), ("HGETALL", self.keys.user(msisdn))
        )
        return product, _pairs(user)

    async def user_gen(self, msisdn: str) -> str:
        raw = await self.redis.execute("GET", self.keys.gen(msisdn))
        return raw.decode() if raw else ""

    async def catalog_gen(self) -> str:
        raw = await self.redis.execute("GET", self.keys.catalog_gen)
        return raw.decode() if raw else ""

    async def fill_user(self, msisdn: str, state: UserState, expected_gen: str) -> bool:
        keys = [self.keys.user(msisdn), self.keys.gen(msisdn), self.keys.dirty(msisdn)]
        return bool(await self.redis.script(FILL_USER_LUA, keys, _fill_args(state, expected_gen)))

    async def fill_product(
        self, sp_id: str, product_code: str, info: ProductInfo | int, expected_gen: str
    ) -> bool:
        payload = info.encode() if isinstance(info, ProductInfo) else encode_unknown(info)
        ttl = 0 if isinstance(info, ProductInfo) else UNKNOWN_PRODUCT_TTL
        keys = [self.keys.product(sp_id, product_code), self.keys.catalog_index, self.keys.catalog_gen]
        return bool(await self.redis.script(FILL_PRODUCT_LUA, keys, [expected_gen, payload, ttl]))

    async def invalidate_user(self, msisdn: str) -> None:
        await self.redis.script(
            INVALIDATE_USER_LUA, [self.keys.user(msisdn), self.keys.gen(msisdn)], [GEN_TTL]
        )

    async def begin_write(self, msisdn: str) -> None:
        """Before a write transaction on ``msisdn``: no fill lands until :meth:`end_write` (or
        :data:`DIRTY_TTL` seconds, if this process dies first)."""
        await self.redis.script(MARK_DIRTY_LUA, [self.keys.dirty(msisdn)], [DIRTY_TTL])

    async def end_write(self, msisdn: str) -> None:
        """After the transaction (COMMIT or rollback): invalidate and drop this write's mark."""
        keys = [self.keys.user(msisdn), self.keys.gen(msisdn), self.keys.dirty(msisdn)]
        await self.redis.script(END_WRITE_LUA, keys, [GEN_TTL])

    async def flush_catalog(self) -> int:
        return int(
            await self.redis.script(FLUSH_CATALOG_LUA, [self.keys.catalog_index, self.keys.catalog_gen], [])
        )


# --- sync side (Django actions, rebuild, tests) -----------------------------------------------

_clients: dict[str, Any] = {}


def _client(url: str) -> Any:
    import redis

    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(url)
    return client


def invalidate_user(msisdn: str) -> None:
    """Drop the cached state of ``msisdn`` (call on commit of any change of its relations,
    blocks or account). A no-op without a configured Redis; a Redis error is logged, never
    raised: the change is committed, and the gen TTL bounds nothing here — so log loudly."""
    url, prefix = settings_config()
    if not url:
        return
    keys = Keys(prefix)
    try:
        _client(url).eval(INVALIDATE_USER_LUA, 2, keys.user(msisdn), keys.gen(msisdn), GEN_TTL)
    except Exception:  # pragma: no cover - logged; operators rebuild the cache
        import logging

        logging.getLogger(__name__).exception("vac cache: invalidation of %s failed", msisdn)


# KEYS: user, dirty. ARGV: ttl — a Django write begins: no fill lands, the cached state is gone
BEGIN_WRITE_LUA = """
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return redis.call('DEL', KEYS[1])
"""


def writing_in_transaction(msisdn: str) -> None:
    """Inside a Django transaction that changes ``msisdn``'s relations, blocks or account: what
    the gateway does around its own writes. Now: the user's cached state is dropped and no
    gateway fill can land (the "dirty" mark); after COMMIT: the generation moves on and the mark
    is dropped. So no gateway answers from the old state once the change is committed — not even
    in the instant between COMMIT and an on-commit invalidation. After a rollback the mark
    expires by itself (:data:`DIRTY_TTL`); until then the gateways read that user from
    PostgreSQL. Redis errors are logged, never raised (the change itself must not fail)."""
    from django.db import transaction

    url, prefix = settings_config()
    if not url:
        return
    keys = Keys(prefix)
    try:
        _client(url).eval(BEGIN_WRITE_LUA, 2, keys.user(msisdn), keys.dirty(msisdn), DIRTY_TTL)
    except Exception:  # pragma: no cover - logged; the on-commit invalidation still runs
        import logging

        logging.getLogger(__name__).exception("vac cache: write mark of %s failed", msisdn)
        transaction.on_commit(functools.partial(invalidate_user, msisdn))
        return
    transaction.on_commit(functools.partial(_end_write, url, keys, msisdn))


def _end_write(url: str, keys: Keys, msisdn: str) -> None:
    try:
        _client(url).eval(END_WRITE_LUA, 3, keys.user(msisdn), keys.gen(msisdn), keys.dirty(msisdn), GEN_TTL)
    except Exception:  # pragma: no cover - logged; the mark expires after DIRTY_TTL
        import logging

        logging.getLogger(__name__).exception("vac cache: end of write of %s failed", msisdn)


def catalog_changed_in_transaction() -> None:
    """Inside a Django transaction that changes what the product keys hold (a service block):
    flush them now and again after COMMIT, so no gateway answers from the old state once the
    change is committed (the trigger's NOTIFY flushes too, a little later). Redis errors are
    logged, never raised."""
    from django.db import transaction

    url, prefix = settings_config()
    if not url:
        return

    def flush() -> None:
        try:
            flush_catalog(url, prefix)
        except Exception:  # pragma: no cover - logged; the NOTIFY flushes as well
            import logging

            logging.getLogger(__name__).exception("vac cache: catalogue flush failed")

    flush()
    transaction.on_commit(flush)


def flush_catalog(url: str, prefix: str = "vac:") -> int:
    keys = Keys(prefix)
    return int(_client(url).eval(FLUSH_CATALOG_LUA, 2, keys.catalog_index, keys.catalog_gen))


def install_triggers(conn: Any) -> None:
    """Create/replace the catalogue-change triggers (psycopg connection, autocommit or not)."""
    conn.execute(TRIGGER_SQL)


def clear(url: str, prefix: str) -> int:
    """Delete every key under ``prefix`` (tests, full rebuild)."""
    client = _client(url)
    count = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=f"{prefix}*", count=5000):
        batch.append(key)
        if len(batch) >= 5000:
            count += client.unlink(*batch)
            batch = []
    if batch:
        count += client.unlink(*batch)
    return count


REBUILD_SQL = """
SELECT msisdn, 'r', product_id::text, state, last_charged_month, requested_at
  FROM vac_subscription
 WHERE msisdn > %(after)s AND msisdn <= %(upto)s AND state IN ('pending_confirmation', 'active')
UNION ALL
SELECT msisdn, 'b', service_type, '', '', NULL FROM vac_userblock
 WHERE msisdn > %(after)s AND msisdn <= %(upto)s AND state = 'blocked'
UNION ALL
SELECT msisdn, 'c', '', '', '', NULL FROM vac_account
 WHERE msisdn > %(after)s AND msisdn <= %(upto)s AND state = 'closed'
ORDER BY 1
"""


def _msisdn_bounds(conn: Any, batch: int) -> Iterator[tuple[str, str]]:
    """Consecutive (after, upto] msisdn ranges of about ``batch`` live relations each."""
    after = ""
    while True:
        row = conn.execute(
            "SELECT max(msisdn) FROM (SELECT msisdn FROM vac_subscription WHERE msisdn > %s"
            " AND state IN ('pending_confirmation', 'active') ORDER BY msisdn LIMIT %s) s",
            [after, batch],
        ).fetchone()
        upto = row[0] if row else None
        if upto is None:
            yield after, "\U0010ffff"  # the tail: blocks / closed accounts beyond the last relation
            return
        yield after, upto
        after = upto


def rebuild(dsn: str, url: str, prefix: str = "vac:", *, batch: int = 20000) -> int:
    """Warm the user hashes of every user with a live relation (and blocked/closed users) from
    PostgreSQL, in short snapshots of ``batch`` relations; a user invalidated meanwhile (its
    generation key exists) is skipped and loads lazily. Returns the number of users written."""
    import psycopg

    client = _client(url)
    keys = Keys(prefix)
    sha = client.script_load(FILL_USER_LUA)
    written = 0
    with psycopg.connect(dsn, autocommit=True) as conn:
        for after, upto in _msisdn_bounds(conn, batch):
            rows = conn.execute(REBUILD_SQL, {"after": after, "upto": upto}).fetchall()
            pipe = client.pipeline(transaction=False)
            current: str | None = None
            group: list[tuple[Any, ...]] = []
            for row in [*rows, (None,)]:
                if row[0] != current:
                    if current is not None:
                        state = user_from_rows(group)
                        pipe.evalsha(
                            sha,
                            3,
                            keys.user(current),
                            keys.gen(current),
                            keys.dirty(current),
                            *_fill_args(state, ""),
                        )
                        written += 1
                    current, group = row[0], []
                if row[0] is not None:
                    group.append(row[1:])
            pipe.execute()
    return written
