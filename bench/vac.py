"""VAC hot-path benchmark (`make bench-vac`, BENCH_ARGS="--size tiny|full").

On PostgreSQL (its own database, default ``vasops_bench_vac``, created and migrated) and Redis
(``VASOPS_BENCH_REDIS_URL``, default DB 14, prefix ``vacbench:``) it loads N active monthly
subscriptions (1,000,000 at full size) with one INSERT … SELECT, warms Redis from PostgreSQL
(``vac.cache.rebuild``, INFO memory before/after → bytes per relation), starts the gateway
(``python -m vasops.vac.gateway``, 2 uvicorn workers, binary TCP on) and a bare ASGI JSON endpoint
(:data:`bare_app`, same server and workers), and drives a closed-loop load from a second process
on loopback: ``wrk`` when installed (Debian package ``wrk``), else the asyncio client below.

Measured: ``/v1/auth`` (鉴权, the subscriber's monthly charge already taken: a Redis read and
``rules.decide``) and the bare endpoint → req/s, p50/p99, ratio; CheckPrice (op 0) over TCP with
the asyncio client; ``/v1/on-demand`` → durable CDR writes/s (each answered after COMMIT with
``synchronous_commit=on``; the CDR count in PostgreSQL is checked against the answers); RSS of
the gateway processes. Writes bench/results/vac.json (full) or vac-tiny.json and, at full size,
the "VAC" section at the end of docs/performance.md. Exit 1 when a request fails; at full size
also when a target is missed (unless ``--no-strict``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

SIZES = {"tiny": (10_000, 3.0), "full": (1_000_000, 15.0)}
PRODUCTS = 20
TARGETS = {"auth_rps": 5000, "auth_p99_ms": 20.0, "ratio": 0.15, "tcp_rps": 5000, "cdr_per_s": 5000}
REDIS_URL = os.environ.get("VASOPS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PREFIX = "vacbench:"
SECRET = "bench-secret"
MAX_CONNS = 256  # binary clients configured: one device per connection (a device binds once, A.1)


def device(i: int) -> str:
    return f"BENCH{i:03d}"


def bind_stamp() -> str:
    """The Bind's Time_Stamp: Beijing MMDDHHMMSS of now (the gateway refuses a stale one)."""
    return time.strftime("%m%d%H%M%S", time.gmtime(time.time() + 8 * 3600))


MSISDN0 = 13000000000
DOC = ROOT / "docs" / "performance.md"
DOC_MARK = "<!-- bench/vac.py: VAC section, rewritten by `make bench-vac` -->"


# --- the bare ASGI endpoint the gateway is compared with --------------------------------------


async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Read a JSON body, answer a JSON object: the floor of any ASGI JSON service."""
    import orjson

    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    data = orjson.loads(body or b"{}")
    out = orjson.dumps(
        {"code": 0, "message": "成功", "price_fen": 0, "charge": False, "echo": data.get("msisdn")}
    )
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(out))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": out})


# --- load clients (run in a second process) ----------------------------------------------------


def _summary(latencies: list[float], ok: int, errors: int, seconds: float) -> dict[str, Any]:
    latencies.sort()

    def pct(p: float) -> float:
        return (
            round(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000, 2) if latencies else 0.0
        )

    return {
        "requests": ok,
        "errors": errors,
        "rps": round(ok / seconds, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
    }


async def _http_client(
    port: int, path: str, bodies: list[bytes], conns: int, seconds: float
) -> dict[str, Any]:
    latencies: list[float] = []
    counts = [0, 0]
    stop = time.perf_counter() + seconds

    async def worker(i: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        n = i
        while time.perf_counter() < stop:
            payload = bodies[n % len(bodies)]
            n += conns
            head = (
                f"POST {path} HTTP/1.1\r\nhost: b\r\ncontent-type: application/json\r\n"
                f"content-length: {len(payload)}\r\n\r\n"
            )
            t0 = time.perf_counter()
            writer.write(head.encode() + payload)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            data = await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            ok = b" 200 " in status_line and b'"code":0' in data
            counts[0 if ok else 1] += 1
        writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(conns)))
    return _summary(latencies, counts[0], counts[1], time.perf_counter() - t0)


async def _tcp_client(
    port: int, sp_id: str, codes: list[str], n_subs: int, conns: int, seconds: float
) -> dict[str, Any]:
    from vasops.vac.protocol import binary as b

    rng = random.Random(7)
    latencies: list[float] = []
    counts = [0, 0]

    def pdu(seq: int, i: int) -> bytes:
        addr = b.Address(1, "WCDMA", f"86{MSISDN0 + i}")
        return b.encode(
            b.CheckPrice(
                sequence_id=seq,
                source_device_type=24,
                source_device_id=device(0),
                dest_device_id="VAC",
                sequence_number=f"{seq:020d}",
                oa=addr,
                da=addr,
                fa=b.Address(1, "", ""),
                service_id_type=3,
                sp_id=sp_id,
                service_id=codes[i % len(codes)],
                service_updown_type=2,
                begin_time="20260310120000",
                operation_type=0,
                service_type="90",
            )
        )

    pdus = [pdu(k + 1, rng.randrange(n_subs)) for k in range(min(n_subs, 20000))]
    stop = time.perf_counter() + seconds

    async def worker(i: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        bind = b.Bind.create(
            sequence_id=1,
            source_device_type=24,
            source_device_id=device(i),
            dest_device_id="VAC",
            secret=SECRET,
            time_stamp=bind_stamp(),
            version=0x10,
        )
        writer.write(b.encode(bind))
        head = await reader.readexactly(12)
        await reader.readexactly(int.from_bytes(head[:4], "big") - 12)
        n = i
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            writer.write(pdus[n % len(pdus)])
            n += conns
            head = await reader.readexactly(12)
            rest = await reader.readexactly(int.from_bytes(head[:4], "big") - 12)
            latencies.append(time.perf_counter() - t0)
            counts[0 if rest[:4] == b"\0\0\0\0" else 1] += 1
        writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(conns)))
    return _summary(latencies, counts[0], counts[1], time.perf_counter() - t0)


def client_main(args: argparse.Namespace) -> None:
    """``bench/vac.py client …``: one closed-loop run, JSON on stdout."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    if args.kind == "tcp":
        result = asyncio.run(
            _tcp_client(args.port, args.sp_id, args.codes.split(","), args.n_subs, args.conns, args.seconds)
        )
    else:
        bodies = [line.encode() for line in Path(args.bodies).read_text().splitlines() if line]
        result = asyncio.run(_http_client(args.port, args.path, bodies, args.conns, args.seconds))
    print(json.dumps(result))


# --- orchestration -----------------------------------------------------------------------------


def uptime() -> str:
    """What ``uptime`` prints (the load the run shared the machine with)."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        )
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_database_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vasops")
    parts = urlparse(base)
    name = os.environ.get("VASOPS_BENCH_VAC_DB", "vasops_bench_vac")
    return urlunparse(parts._replace(path=f"/{name}"))


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:  # fresh: the schema is exactly the migrations'
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path[1:]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parts.path[1:]}"')
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "PYTHONPATH": str(ROOT / "src")}
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"], env=env, check=True
    )


def seed(url: str, n_subs: int) -> tuple[str, list[str], str, str]:
    """Partner, products and ``n_subs`` active monthly relations (charged this month).
    Returns (sp_id, monthly product codes, per-use product code, psycopg dsn)."""
    import psycopg

    dsn = url.replace("postgres://", "postgresql://", 1)
    now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
    month = time.strftime("%Y%m", time.gmtime(time.time() + 8 * 3600))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE vac_subscriptionhistory, vac_notifyoutbox, vac_usagerecord, vac_subscription,"
            " vac_userblock, vac_account"
        )
        conn.execute(
            "INSERT INTO catalog_businessline (code, name, service_type, vas_systems, extra_fields,"
            " is_active, sort_order, needs_channel)"
            " VALUES ('BENCH90', '短信', '90', '[]', '[]', true, 0, false)"
            " ON CONFLICT (code) DO NOTHING"
        )
        line_id = conn.execute("SELECT id FROM catalog_businessline WHERE code = 'BENCH90'").fetchone()[0]  # type: ignore[index]
        conn.execute(
            "INSERT INTO partners_partner (name, kind, locality, credit_code, legal_representative, address,"
            " cs_hotline, state, credit_grade, enterprise_code, service_access_number, suspended_reason,"
            " created_at, updated_at, suspended_from) VALUES ('压测企业', 'SP', 'local',"
            " '91420100BENCH0001X', '张三', '武汉', '4001234567', 'active', '', '95999', '1065699', '',"
            " now(), now(), '')"
            " ON CONFLICT (enterprise_code) DO NOTHING"
        )
        partner_id = conn.execute(
            "SELECT id FROM partners_partner WHERE enterprise_code = '95999'"
        ).fetchone()[0]  # type: ignore[index]
        codes = [f"90{990000 + k:06d}01" for k in range(PRODUCTS + 1)]
        for k, code in enumerate(codes):
            mode, fee = ("per_use", 100) if k == PRODUCTS else ("monthly", 500)
            row = conn.execute("SELECT id FROM catalog_product WHERE product_code = %s", [code]).fetchone()
            if row is None:
                pid = conn.execute(
                    "INSERT INTO catalog_product (name, access_number, product_code, description,"
                    " product_type, fee_fen, billing_mode, details, state, unicom_status, review_reason,"
                    " created_at, updated_at, business_line_id, partner_id) VALUES (%s, '10656991', %s,"
                    " '压测', 'information', %s, %s, '{}', 'active', '4', '', now(), now(), %s, %s)"
                    " RETURNING id",
                    [f"压测产品{k}", code, fee, mode, line_id, partner_id],
                ).fetchone()[0]  # type: ignore[index]
                conn.execute(
                    "INSERT INTO catalog_productversion (number, name, description, fee_fen, billing_mode,"
                    " valid_from, created_at, product_id)"
                    " VALUES (1, %s, '压测', %s, %s, '2020-01-01', now(), %s)",
                    [f"压测产品{k}", fee, mode, pid],
                )
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM catalog_product WHERE product_code = ANY(%s) ORDER BY product_code",
                [codes[:PRODUCTS]],
            ).fetchall()
        ]
        conn.execute(
            "INSERT INTO vac_subscription (msisdn, product_id, partner_id, state, channel, link_id,"
            " requested_at, effective_at, last_charged_month, updated_at)"
            " SELECT (%s::bigint + g)::text, (%s::bigint[])[1 + g %% %s], %s, 'active', 'crm', '',"
            " %s, %s, %s, %s"
            " FROM generate_series(0, %s - 1) g",
            [MSISDN0, ids, PRODUCTS, partner_id, now, now, month, now, n_subs],
        )
        conn.execute("VACUUM ANALYZE vac_subscription")
    return "95999", codes[:PRODUCTS], codes[PRODUCTS], dsn


def redis_used_memory() -> int:
    import redis

    return int(redis.Redis.from_url(REDIS_URL).info("memory")["used_memory"])


def rss_mb(root_pid: int) -> list[float]:
    """VmRSS (MB) of ``root_pid`` and its children."""
    pids = [root_pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == root_pid:
            pids.append(int(stat.parent.name))
    out = []
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", text)
        if match:
            out.append(round(int(match.group(1)) / 1024, 1))
    return out


def _proc_ticks() -> dict[int, tuple[str, int]]:
    """Every process's (command, user+system clock ticks) from /proc."""
    out: dict[int, tuple[str, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        out[int(entry)] = (raw[raw.index("(") + 1 : raw.rindex(")")], int(fields[11]) + int(fields[12]))
    return out


def _tree(root: int) -> set[int]:
    pids, todo = {root}, [root]
    while todo:
        found = subprocess.run(["pgrep", "-P", str(todo.pop())], capture_output=True, text=True)
        for pid in map(int, found.stdout.split()):
            if pid not in pids:
                pids.add(pid)
                todo.append(pid)
    return pids


def measured(run: Any, gateway_pid: int) -> dict[str, Any]:
    """``run()`` (a load run) plus the CPU it cost per request, by process group: the gateway's
    processes, PostgreSQL, Redis and the load generator (a waited-for child). Shows where the
    two cores went, which the req/s figure alone does not."""
    gw = _tree(gateway_pid)
    before, kids0 = _proc_ticks(), resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run()
    after, kids1 = _proc_ticks(), resource.getrusage(resource.RUSAGE_CHILDREN)
    tick = os.sysconf("SC_CLK_TCK")
    groups = {"gateway": 0.0, "postgres": 0.0, "redis": 0.0}
    for pid, (comm, ticks) in after.items():
        spent = (ticks - before[pid][1]) if pid in before else ticks
        if pid in gw:
            groups["gateway"] += spent / tick
        elif comm == "postgres":
            groups["postgres"] += spent / tick
        elif comm == "redis-server":
            groups["redis"] += spent / tick
    groups["load generator"] = (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
    n = max(1, result["requests"])
    result["cpu_us_per_request"] = {k: round(v / n * 1e6, 1) for k, v in groups.items()}
    return result


def wait_http(port: int, proc: subprocess.Popen[bytes], path: str = "/health") -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error status: the server answers
                return
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def run_wrk(port: int, path: str, bodies: list[str], conns: int, seconds: float) -> dict[str, Any]:
    """Closed loop with wrk (one thread: the other core serves); bodies cycled by a Lua script."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        items = ",\n".join("[[" + b + "]]" for b in bodies)
        script.write(
            "local bodies = {\n" + items + "\n}\nlocal n = 0\n"
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            "request = function()\n  n = n + 1\n"
            "  return wrk.format(nil, nil, nil, bodies[(n % #bodies) + 1])\nend\n"
        )
    cmd = ["wrk", "-t1", f"-c{conns}", f"-d{max(1, int(seconds))}s", "--latency", "-s", script.name]
    out = subprocess.run(
        [*cmd, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    os.unlink(script.name)

    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            return 0.0
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    return {
        "requests": total,
        "errors": errors,
        "rps": round(rps, 1),
        "p50_ms": ms("50%"),
        "p99_ms": ms("99%"),
        "tool": "wrk",
    }


def drive(
    kind: str, port: int, path: str, bodies: list[str], conns: int, seconds: float, **tcp: Any
) -> dict[str, Any]:
    if kind == "http" and shutil.which("wrk"):
        return run_wrk(port, path, bodies, conns, seconds)
    cmd = [sys.executable, __file__, "client", "--kind", kind, "--port", str(port), "--conns", str(conns)]
    cmd += ["--seconds", str(seconds)]
    if kind == "tcp":
        cmd += ["--sp-id", tcp["sp_id"], "--codes", ",".join(tcp["codes"]), "--n-subs", str(tcp["n_subs"])]
    else:
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.write("\n".join(bodies))
        cmd += ["--path", path, "--bodies", f.name]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["tool"] = "asyncio client"
    return result


async def _write_path(dsn: str, product_code: str, sp_id: str, conns: int, seconds: float) -> dict[str, Any]:
    """The CDR write path alone, in this process: ``conns`` concurrent on-demand writes through the
    gateway's group commit (multi-row INSERT … ON CONFLICT DO NOTHING + notifications, one COMMIT
    per batch), each counted when its COMMIT returned. Separates PostgreSQL's durable write rate
    from the HTTP/JSON cost that bounds ``/v1/on-demand`` on a 2-core box."""
    import datetime as dt

    from vasops.vac import gateway

    engine = gateway.Engine(
        gateway.Config(dsn=dsn, redis_url=REDIS_URL, prefix=PREFIX, install_triggers=False)
    )
    await engine.start()
    try:
        info = await engine._load_product(sp_id, product_code)
        assert not isinstance(info, int)
        latencies: list[float] = []
        stop = time.perf_counter() + seconds

        async def worker(i: int) -> None:
            n = 0
            while time.perf_counter() < stop:
                now = dt.datetime.now(dt.UTC)
                cdr = gateway.ids.cdr_id()
                row = gateway.on_demand_row(info, f"{MSISDN0 + i}", f"W{i}-{n}", now, cdr, 100, True)
                t0 = time.perf_counter()
                await engine.on_demand_writes.submit(row)
                latencies.append(time.perf_counter() - t0)
                n += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(conns)))
        return _summary(latencies, len(latencies), 0, time.perf_counter() - t0)
    finally:
        await engine.stop()


def main(args: argparse.Namespace) -> int:
    import psycopg

    n_subs, seconds = SIZES[args.size]
    load_start = [round(x, 2) for x in os.getloadavg()]
    uptime_start = uptime()
    print(f"load average at start: {load_start} ({uptime_start})")
    url = bench_database_url()
    t0 = time.perf_counter()
    ensure_database(url)
    sp_id, codes, per_use_code, dsn = seed(url, n_subs)
    seeded = time.perf_counter() - t0
    print(f"seeded {n_subs:,} active subscriptions in {seeded:.1f}s")

    from vasops.vac import cache

    cache.clear(REDIS_URL, PREFIX)
    before = redis_used_memory()
    t1 = time.perf_counter()
    users = cache.rebuild(dsn, REDIS_URL, PREFIX)
    warmed = time.perf_counter() - t1
    redis_bytes = (redis_used_memory() - before) / max(1, n_subs)
    print(f"warmed {users:,} users in Redis in {warmed:.1f}s: {redis_bytes:.0f} bytes per relation")

    rng = random.Random(42)
    auth_bodies, od_bodies = [], []
    for _ in range(min(n_subs, 20000)):
        i = rng.randrange(n_subs)
        auth_bodies.append(
            json.dumps({"msisdn": str(MSISDN0 + i), "sp_id": sp_id, "product_id": codes[i % PRODUCTS]})
        )
        od_bodies.append(json.dumps({"msisdn": str(MSISDN0 + i), "sp_id": sp_id, "product_id": per_use_code}))

    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "VASOPS_VAC_CACHE_PREFIX": PREFIX,
        "VASOPS_VAC_TCP_CLIENTS": json.dumps({device(i): SECRET for i in range(MAX_CONNS)}),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-vac-secret"),
        "DEBUG": "0",
    }
    workers = str(args.workers)
    results: dict[str, Any] = {}

    bare_port = free_port()
    bare = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.vac:bare_app", "--port", str(bare_port),
         "--workers", workers, "--loop", "uvloop", "--http", "httptools", "--no-access-log",
         "--log-level", "warning"],
        env=env, cwd=ROOT, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_http(bare_port, bare, "/")
        drive("http", bare_port, "/", auth_bodies, args.conns, 1)
        results["bare"] = drive("http", bare_port, "/", auth_bodies, args.conns, seconds)
    finally:
        stop(bare)
    print(f"bare ASGI JSON: {results['bare']}")

    gw_port, tcp_port = free_port(), free_port()
    gateway = subprocess.Popen(
        [sys.executable, "-m", "vasops.vac.gateway", "--port", str(gw_port), "--workers", workers,
         "--tcp-port", str(tcp_port)],
        env=env, cwd=ROOT, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_http(gw_port, gateway)
        drive("http", gw_port, "/v1/auth", auth_bodies, args.conns, 1)  # warm the workers' pools
        results["auth"] = measured(
            lambda: drive("http", gw_port, "/v1/auth", auth_bodies, args.conns, seconds), gateway.pid
        )
        print(f"gateway /v1/auth: {results['auth']}")
        tcp = {"sp_id": sp_id, "codes": codes, "n_subs": n_subs}
        results["tcp"] = measured(
            lambda: drive("tcp", tcp_port, "", [], args.conns, seconds, **tcp), gateway.pid
        )
        print(f"gateway CheckPrice/TCP: {results['tcp']}")
        # CDRs come from every gateway of the province at once: more concurrent callers.
        for key, path in (("cdr", "/v1/auth"), ("on_demand", "/v1/on-demand")):
            with psycopg.connect(dsn, autocommit=True) as conn:
                cdr_before = conn.execute("SELECT count(*) FROM vac_usagerecord").fetchone()[0]  # type: ignore[index]
                results[key] = measured(
                    lambda p=path: drive("http", gw_port, p, od_bodies, args.cdr_conns, seconds), gateway.pid
                )
                cdr_after = conn.execute("SELECT count(*) FROM vac_usagerecord").fetchone()[0]  # type: ignore[index]
                sync = conn.execute("SHOW synchronous_commit").fetchone()[0]  # type: ignore[index]
            results[key]["rows_written"] = cdr_after - cdr_before
            results[key]["synchronous_commit"] = sync
            results[key]["connections"] = args.cdr_conns
            print(f"gateway {path} per-use (durable CDR): {results[key]}")
        results["gateway_rss_mb"] = rss_mb(gateway.pid)
    finally:
        stop(gateway)
    with psycopg.connect(dsn, autocommit=True) as conn:
        before_w = conn.execute("SELECT count(*) FROM vac_usagerecord").fetchone()[0]  # type: ignore[index]
        results["cdr_write_path"] = asyncio.run(_write_path(dsn, per_use_code, sp_id, 256, seconds))
        after_w = conn.execute("SELECT count(*) FROM vac_usagerecord").fetchone()[0]  # type: ignore[index]
    results["cdr_write_path"]["rows_written"] = after_w - before_w
    results["cdr_write_path"]["tool"] = "in-process group commit, 256 concurrent writers"
    print(f"CDR write path (group commit, in process): {results['cdr_write_path']}")

    ratio = results["auth"]["rps"] / results["bare"]["rps"] if results["bare"]["rps"] else 0.0
    worker_rss = max(results["gateway_rss_mb"] or [0.0])
    checks = {
        "auth_rps": results["auth"]["rps"] >= TARGETS["auth_rps"],
        "auth_p99_ms": results["auth"]["p99_ms"] <= TARGETS["auth_p99_ms"],
        "ratio": ratio >= TARGETS["ratio"],
        "tcp_rps": results["tcp"]["rps"] >= TARGETS["tcp_rps"],
        "tcp_p99_ms": results["tcp"]["p99_ms"] <= TARGETS["auth_p99_ms"],
        "cdr_per_s": results["cdr"]["rps"] >= TARGETS["cdr_per_s"],
        "cdr_durable": results["cdr"]["rows_written"] >= results["cdr"]["requests"],
        "on_demand_per_s": results["on_demand"]["rps"] >= TARGETS["cdr_per_s"],
        "on_demand_durable": results["on_demand"]["rows_written"] >= results["on_demand"]["requests"],
        "cdr_write_path_per_s": results["cdr_write_path"]["rps"] >= TARGETS["cdr_per_s"],
        "cdr_write_path_durable": results["cdr_write_path"]["rows_written"]
        >= results["cdr_write_path"]["requests"],
        "gateway_rss_mb": worker_rss <= 200,
        "redis_bytes_per_relation": redis_bytes <= 200,
    }
    summary = {
        "size": args.size,
        "subscriptions": n_subs,
        "seconds_per_run": seconds,
        "connections": args.conns,
        "workers": args.workers,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average": {"start": load_start, "end": [round(x, 2) for x in os.getloadavg()]},
        "uptime": {"start": uptime_start, "end": uptime()},
        "commit": commit(),
        "when": time.strftime("%Y-%m-%d %H:%M", time.gmtime(time.time() + 8 * 3600)),
        "seed_s": round(seeded, 1),
        "warm_s": round(warmed, 1),
        "redis_bytes_per_relation": round(redis_bytes, 1),
        "ratio_auth_vs_bare": round(ratio, 3),
        **results,
        "targets": TARGETS,
        "pass": checks,
    }
    out = ROOT / "bench" / "results" / ("vac.json" if args.size == "full" else f"vac-{args.size}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print(f"ratio auth/bare = {ratio:.3f} (target ≥ {TARGETS['ratio']})")
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    if args.size == "full":
        write_doc(summary)
    errors = sum(results[k]["errors"] for k in ("bare", "auth", "tcp", "cdr", "on_demand"))
    if errors:
        print(f"{errors} requests failed")
        return 1
    return 0 if (args.size != "full" or not args.strict or all(checks.values())) else 1


RUNS_MARK = "<!-- bench/vac.py: one row per full run, kept from run to run -->"
VARIANCE = """### Why two runs differed, and what was done (issue 10, 2026-12-03)

Two full runs minutes apart on a quiet machine gave `/v1/auth` 4,952 req/s p99 31.7 ms and 7,192
req/s p99 21.1 ms. Measured here (probes of the gateway on the seeded bench database, 10–15 s wrk
runs, interleaved old / new code so both saw the same machine):

- **Worker imbalance — the main cause, fixed.** uvicorn's workers share one listening socket and
  the worker that is awake when wrk opens its 32 connections takes them: the splits seen were 8/24,
  29/3, 32/0, 31/1, 27/5, 4/28, 26/6, 20/12 … and only sometimes 16/16. With 32/0 one core idles:
  in the same minutes the old code gave 2,087–2,498 req/s with 31/1 and 32/0 and 3,907–3,994 with
  16/16 and 17/15. Now the gateway's parent process accepts and deals the connections round robin
  to its workers (`vasops.vac.gateway.workers`, `SCM_RIGHTS`; HTTP and binary alike): 16/16 in
  every run (test_gateway proves the split from `/proc`). SO_REUSEPORT would only replace the luck
  of the accept by a hash (20/12 one run in five).
- **GC pauses — fixed.** Without `gc.freeze` a worker did a full (generation 2) collection of 28 ms
  and generation-1 collections of up to 5.6 ms during a 45 s probe — each a p99 outlier for the 16
  requests in flight on that worker. Each worker now collects and freezes the start-up heap and
  collects the young generation every 20,000 allocations instead of 700: 7 young collections of
  ≤ 0.5 ms, generation-1 ≤ 1.9 ms and no full collection while serving.
- **The load generator — ours where it can be.** Without `wrk` the bench fell back to its asyncio
  client, which costs 52 µs of CPU per request (a third of the gateway's) on the same two cores,
  and its bare-endpoint reference failed outright (the bare app sent no `content-length`: fixed).
  `wrk` (one thread, 30–40 µs per request) is what `.ci/run` installs and what these runs used; the
  binary interface has no wrk, its Python client stays (56 µs per request).
- **Group commit.** Unchanged; its throughput follows the machine: the in-process write path gave
  18,080 CDRs/s at load 4 and 5,260/s at load 7–11 the same afternoon.
- **What is not ours:** the two cores are shared. For most of this session the other work on the
  machine kept the 1-minute load at 5–12 (the bare ASGI endpoint's p99 went from 3.7 ms to 144 ms)
  and no run could meet the bar; CPU per auth request (gateway processes) stayed 145–213 µs for old
  and new code alike, and the new code's throughput was not lower in any interleaved round. When
  the load fell to 2–6, three consecutive full runs (02:09, 02:11, 02:14 below) passed every
  target: `/v1/auth` 10,184–11,652 req/s with p99 5.8–7.5 ms, CheckPrice 10,119–11,171 req/s
  p99 6.1–8.3 ms — the balanced workers and the frozen heap give both cores to the requests. The
  thinnest margin is `/v1/on-demand` (CDR + notification: 5,397–8,688/s, PostgreSQL 57–64 µs and
  the gateway 129–147 µs per request, as before this session). The last run (02:40) had another
  test suite on one core from its first minute (bare endpoint 9,930 req/s instead of 18,000–25,000):
  auth 4,935 req/s at p99 15.9 ms — one core's worth, the p99 still within 20 ms. The runs that
  decide are the lead's, on a quiet machine.
"""
RUNS_HEAD = (
    "| when (Beijing) | commit | load 1 min start → end | bare req/s | auth req/s | auth p99 ms"
    " | auth CPU µs/req, all processes | TCP req/s | TCP p99 ms | per-use CDR/s | on-demand/s"
    " | every target | tool |\n"
    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n"
)


def _previous_runs(text: str) -> list[str]:
    if RUNS_MARK not in text:
        return []
    tail = text[text.index(RUNS_MARK) :].splitlines()
    return [line for line in tail if line.startswith("| 20")]


def _run_row(s: dict[str, Any]) -> str:
    a, t, cdr, od = s["auth"], s["tcp"], s["cdr"], s["on_demand"]
    verdict = (
        "PASS" if all(s["pass"].values()) else "FAIL: " + ", ".join(k for k, v in s["pass"].items() if not v)
    )
    load = f"{s['load_average']['start'][0]} → {s['load_average']['end'][0]}"
    cells = [
        s.get("when", "?"),
        s.get("commit", "?"),
        load,
        f"{s['bare']['rps']:,.0f}",
        f"{a['rps']:,.0f}",
        a["p99_ms"],
        f"{sum(a.get('cpu_us_per_request', {}).values()):,.0f}",
        f"{t['rps']:,.0f}",
        t["p99_ms"],
        f"{cdr['rps']:,.0f}",
        f"{od['rps']:,.0f}",
        verdict,
        f"{a.get('tool')} / {t.get('tool')}",
    ]
    return "| " + " | ".join(str(c) for c in cells) + " |"


def write_doc(s: dict[str, Any]) -> None:
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    runs = [*_previous_runs(text), _run_row(s)]
    if DOC_MARK in text:
        text = text[: text.index(DOC_MARK)].rstrip() + "\n"
    a, t, cdr, od, bare, wp = s["auth"], s["tcp"], s["cdr"], s["on_demand"], s["bare"], s["cdr_write_path"]
    ok = lambda k: "PASS" if s["pass"][k] else "FAIL"  # noqa: E731
    budget = "≥ 5,000/s, p99 ≤ 20 ms"
    auth_ok, tcp_ok = f"{ok('auth_rps')} / {ok('auth_p99_ms')}", f"{ok('tcp_rps')} / {ok('tcp_p99_ms')}"
    mem_ok, cdr_ok, od_ok = ok("redis_bytes_per_relation"), ok("cdr_per_s"), ok("on_demand_per_s")
    wp_ok = ok("cdr_write_path_per_s")

    def row(label: str, r: dict[str, Any], target: str, verdict: str) -> str:
        return f"| {label} | {r['rps']:,.0f} | {r['p50_ms']} | {r['p99_ms']} | {target} | {verdict} |"

    def cpu(r: dict[str, Any]) -> str:
        c = r.get("cpu_us_per_request", {})
        total = sum(c.values())
        cells = " | ".join(f"{c.get(k, 0):,.0f}" for k in ("gateway", "postgres", "redis", "load generator"))
        return f"{cells} | {total:,.0f}"

    text += f"""
{DOC_MARK}
## VAC gateway (`make bench-vac`, `bench/vac.py --size full`)

{s["subscriptions"]:,} active subscriptions in PostgreSQL, warmed into Redis; gateway = 2 uvicorn
workers (uvloop + httptools, asyncpg, redis-py + hiredis) on this {s["machine"]["cpus"]}-core machine;
closed-loop load from a second process on loopback ({a.get("tool")}, {s["connections"]} connections
for auth and CheckPrice, {cdr.get("connections", s["connections"])} for the CDR runs,
{s["seconds_per_run"]:.0f} s per run). Results: `bench/results/vac.json`.

| measure | req/s | p50 ms | p99 ms | target | |
|---|---:|---:|---:|---|---|
{row("bare ASGI JSON endpoint", bare, "reference", "")}
{row("`/v1/auth` (鉴权, monthly, already charged)", a, budget, auth_ok)}
| ratio auth / bare | {s["ratio_auth_vs_bare"]} | | | ≥ 0.15 | {ok("ratio")} |
{row("CheckPrice over TCP (op 0)", t, budget, tcp_ok)}
{row("`/v1/auth` per-use: one durable CDR each", cdr, "≥ 5,000/s", cdr_ok)}
{row("`/v1/on-demand`: durable CDR + SP notification each", od, "≥ 5,000/s", od_ok)}
{row("CDR + notification write path alone", wp, "≥ 5,000/s", wp_ok)}

CPU per request (µs, user + system, by process group; 2 cores = 2,000,000 µs per second):

| run | gateway | PostgreSQL | Redis | load generator | total |
|---|---:|---:|---:|---:|---:|
| `/v1/auth` | {cpu(a)} |
| CheckPrice over TCP | {cpu(t)} |
| `/v1/auth` per-use (CDR) | {cpu(cdr)} |
| `/v1/on-demand` (CDR + notification) | {cpu(od)} |

- CDRs: per-use auth {cdr["requests"]:,} acknowledged, {cdr["rows_written"]:,} rows written;
  on-demand {od["requests"]:,} acknowledged, {od["rows_written"]:,} rows written
  (synchronous_commit = {cdr["synchronous_commit"]}; each answer is sent after its COMMIT).
  Concurrent requests are written by group commit: one multi-row `INSERT … SELECT FROM unnest(…)
  ON CONFLICT DO NOTHING` per batch (for on-demand the notifications of the new CDRs in the same
  statement), which is its own transaction: one round trip and one WAL flush per batch, two
  batches in flight per worker. The write path alone (in process, 256 writers, no HTTP):
  {wp["requests"]:,} acknowledged, {wp["rows_written"]:,} rows.
- Load average (1/5/15 min) at start {s["load_average"]["start"]}, at end {s["load_average"]["end"]}
  (`{s.get("uptime", {}).get("start", "")}`).
- Memory: gateway processes {s["gateway_rss_mb"]} MB RSS (budget 200 MB each, {ok("gateway_rss_mb")});
  Redis {s["redis_bytes_per_relation"]} bytes per active relation (budget 200, {mem_ok}).
- Seeding {s["seed_s"]} s (INSERT … SELECT), cache warm-up {s["warm_s"]} s (`vac.cache.rebuild`).
- The load generator shares the two cores with the gateway, Redis and PostgreSQL: the figures
  are a floor for a dedicated host.

### What changed in the CDR pass (2026-11-25, second session)

Before, on the same machine the same morning (load 0.7, 32 connections): `/v1/on-demand`
2,226/s (p99 38 ms), the in-process write path 5,304/s; a per-use `/v1/auth` wrote its CDR in a
transaction of its own. Profiles (py-spy) and CPU per request showed where it went:

- **Round trips per batch: 4 → 1.** The group commit ran `BEGIN`, the `INSERT`, `COMMIT` and, on
  releasing the pooled connection, asyncpg's `RESET ALL; UNLISTEN *; CLOSE ALL`. One statement is
  atomic on its own, and the gateway holds no session state: the batch is now one `execute`, and
  the pool's reset is a no-op (asyncpg still rolls back a transaction left open).
- **Per-use authentication joins a group commit** (`CDR_BATCH_SQL`) instead of one transaction
  per CDR.
- **PostgreSQL work per row**: no FK constraints on `vac_usagerecord` / `vac_notifyoutbox` (each
  row took a `FOR KEY SHARE` lock on the same partner row: +21 % on the write path alone), and
  no redundant indexes (single-column partner/product, the `varchar_pattern_ops` twins of the two
  unique ids): migration `vac 0003`.
- **Python work per request**: CDR ids and LinkIDs from a per-process prefix + counter instead of
  `uuid4` (a `getrandom` each, 5 %), Beijing-time stamps memoised per second (11 %), on-demand
  sends 11 arrays instead of 19 (PostgreSQL formats the stamps), no `X-Forwarded-*` rewrite, a
  `content-length` instead of chunked answers.
- **128 connections for the CDR runs**: with group commit the throughput of a closed loop is
  connections ÷ commit latency; usage records come from every gateway of the province at once.

{VARIANCE}
### Runs of `make bench-vac` at full size

Every full run adds its row here (the rows before are kept); the machine's load at the start and
end of the run is part of the result: the two cores are shared with whatever else runs (the
1-minute load lags; the bare ASGI endpoint's req/s shows how much of the machine the run had —
25,000 quiet, 10,000 when another process holds a core).

{RUNS_MARK}
{RUNS_HEAD}{chr(10).join(runs)}
"""
    DOC.write_text(text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    client = sub.add_parser("client")
    client.add_argument("--kind", choices=["http", "tcp"], required=True)
    client.add_argument("--port", type=int, required=True)
    client.add_argument("--conns", type=int, default=32)
    client.add_argument("--seconds", type=float, default=5)
    client.add_argument("--path", default="/")
    client.add_argument("--bodies", default="")
    client.add_argument("--sp-id", default="")
    client.add_argument("--codes", default="")
    client.add_argument("--n-subs", type=int, default=1)
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--conns", type=int, default=32)
    parser.add_argument("--cdr-conns", type=int, default=128, help="connections of the CDR runs")
    parser.add_argument("--no-strict", dest="strict", action="store_false")
    ns = parser.parse_args()
    if ns.command == "client":
        client_main(ns)
    else:
        sys.exit(main(ns))
