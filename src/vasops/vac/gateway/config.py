"""Configuration of the gateway, read once at start from the Django settings / environment
(``vasops.vac.cache.setting``: a Django setting of that name, else the environment variable)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any

import orjson

from vasops.vac import cache as c
from vasops.vac import rules
from vasops.vac.gateway.clock import BusinessClock

SPMS_DEVICE_TYPE = 24  # VAC.md A.5: the SMS gateway's SP management system


@dataclass(frozen=True, slots=True)
class Device:
    """A client of the binary interface (one entry of ``VASOPS_VAC_TCP_CLIENTS``).

    ``secret``: the shared secret of the Bind authenticator (VAC.md A.6.1). ``hex16``: this device
    sends the authenticator as the 16 hex characters of the "16-bit MD5" habit instead of the raw
    digest — accepted for this device only, never by default. ``confirms_orders``: the device asks
    the user itself before it sends a subscribe (op 1), as SPMS does (A.10); None = when it binds
    as SPMS (SourceDevice_Type 24)."""

    secret: str
    hex16: bool = False
    confirms_orders: bool | None = None

    def confirms(self, device_type: int) -> bool:
        if self.confirms_orders is not None:
            return self.confirms_orders
        return device_type == SPMS_DEVICE_TYPE


def parse_devices(raw: dict[str, Any]) -> dict[str, Device]:
    """``{"241701": "secret"}`` or ``{"241701": {"secret": "…", "hex16": true,
    "confirms_orders": false}}`` → devices."""
    devices: dict[str, Device] = {}
    for device_id, value in raw.items():
        if isinstance(value, str):
            devices[device_id] = Device(secret=value)
        elif isinstance(value, dict) and isinstance(value.get("secret"), str):
            unknown = set(value) - {"secret", "hex16", "confirms_orders"}
            if unknown:
                raise ValueError(f"VASOPS_VAC_TCP_CLIENTS[{device_id!r}]: unknown keys {sorted(unknown)}")
            confirms = value.get("confirms_orders")
            devices[device_id] = Device(
                secret=value["secret"],
                hex16=bool(value.get("hex16", False)),
                confirms_orders=None if confirms is None else bool(confirms),
            )
        else:
            raise ValueError(f"VASOPS_VAC_TCP_CLIENTS[{device_id!r}]: a secret or an object with 'secret'")
    return devices


def _json_setting(name: str, text: str) -> dict[str, Any]:
    """A Django setting holding a dict, else ``text`` (the environment variable) as JSON."""
    from django.conf import settings

    value = getattr(settings, name, None)
    if not isinstance(value, dict):
        value = orjson.loads(text or "{}")
    if not isinstance(value, dict):
        raise ValueError(f"{name}: a JSON object is expected")
    return dict(value)


@dataclass(frozen=True, slots=True)
class Config:
    dsn: str
    redis_url: str
    prefix: str = "vac:"
    confirm_interval: dt.timedelta = rules.DEFAULT_CONFIRM_INTERVAL
    devices: dict[str, Device] = field(default_factory=dict)
    db_pool: int = 16
    install_triggers: bool = True
    # a Bind whose Time_Stamp is further than this from the wall clock is a replay (refused 105)
    bind_skew: dt.timedelta = dt.timedelta(minutes=10)
    # a binary connection without a PDU for this long is closed (its device may bind again)
    idle_timeout: float = 180.0
    order_methods: dict[str, str] = field(default_factory=lambda: dict(rules.ORDER_METHODS))
    clock: BusinessClock = field(default_factory=BusinessClock)

    @classmethod
    def from_settings(cls) -> Config:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vasops.settings")
        from django.conf import settings  # settings only: no ORM, no app registry

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
        extra = os.environ.get("VASOPS_VAC_ORDER_METHODS", "{}")
        methods = {**rules.ORDER_METHODS, **_json_setting("VASOPS_VAC_ORDER_METHODS", extra)}
        bad = {k: v for k, v in methods.items() if v not in rules.CHANNEL_NAMES}
        if bad:
            raise ValueError(f"VASOPS_VAC_ORDER_METHODS: unknown channels {bad}")
        return cls(
            dsn=dsn,
            redis_url=url,
            prefix=prefix,
            confirm_interval=dt.timedelta(seconds=seconds),
            devices=parse_devices(
                _json_setting("VASOPS_VAC_TCP_CLIENTS", os.environ.get("VASOPS_VAC_TCP_CLIENTS", "{}"))
            ),
            db_pool=int(c.setting("VASOPS_VAC_GATEWAY_DB_POOL", "16")),
            install_triggers=c.setting("VASOPS_VAC_GATEWAY_INSTALL_TRIGGERS", "1") not in ("0", "false"),
            bind_skew=dt.timedelta(seconds=int(c.setting("VASOPS_VAC_BIND_SKEW_SECONDS", "600"))),
            idle_timeout=float(c.setting("VASOPS_VAC_TCP_IDLE_SECONDS", "180")),
            order_methods=methods,
            clock=BusinessClock.from_settings(),
        )
