"""The VAC hot path as its own ASGI service (``vasops-gateway``): JSON over HTTP, and the binary
CheckPrice interface over TCP, answered from Redis with PostgreSQL as the system of record.

Run: ``python -m vasops.vac.gateway --port 8100 --workers 2 [--tcp-port 9999]`` (or
``manage.py run_vac_gateway``; the binary interface alone: ``manage.py run_vac_tcp``). Configured
like the rest of vasops, from the Django settings / environment (``DATABASE_URL``, ``REDIS_URL`` or
``VASOPS_VAC_REDIS_URL``, ``VASOPS_VAC_CACHE_PREFIX``, ``VASOPS_VAC_TCP_CLIENTS``,
``VASOPS_VAC_CONFIRM_INTERVAL_SECONDS``, ``VASOPS_VAC_GATEWAY_DB_POOL`` …); Django itself is not
set up: no ORM, no app registry.

The package, by subject:

==============  =================================================================================
``config``      :class:`Config` and the binary clients (:class:`Device`)
``clock``       the business clock (the wall clock; the demo clock of the Django side in the demo)
``sql``         the statements of the write path
``engine``      :class:`Engine`: every operation, the group commit of CDRs
``asgi``        the JSON routes (:data:`app`)
``tcp``         the binary interface (VAC.md Part A) — the only TCP server of the VAC
``cli``         the command line
==============  =================================================================================

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
"""

from vasops.vac import ids
from vasops.vac.gateway.asgi import BadRequest, GatewayApp, app, route
from vasops.vac.gateway.cli import main, run_tcp, settle_heap
from vasops.vac.gateway.clock import BusinessClock
from vasops.vac.gateway.config import Config, Device, parse_devices
from vasops.vac.gateway.engine import (
    CLASH,
    NEW,
    SAME,
    Engine,
    GroupCommit,
    NotifyTarget,
    answer,
    build_facts,
    normalise_msisdn,
    on_demand_row,
    outbox_args,
    stamp,
)
from vasops.vac.gateway.tcp import BinaryServer, serve

__all__ = [
    "CLASH",
    "NEW",
    "SAME",
    "BadRequest",
    "BinaryServer",
    "BusinessClock",
    "Config",
    "Device",
    "Engine",
    "GatewayApp",
    "GroupCommit",
    "NotifyTarget",
    "answer",
    "app",
    "build_facts",
    "ids",
    "main",
    "normalise_msisdn",
    "on_demand_row",
    "outbox_args",
    "parse_devices",
    "route",
    "run_tcp",
    "serve",
    "settle_heap",
    "stamp",
]
