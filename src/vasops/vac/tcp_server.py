"""The binary real-time authentication interface (VAC.md Part A) as an asyncio TCP server.

Bind (MD5 authenticator; secrets from ``settings.VASOPS_VAC_TCP_CLIENTS`` = {SourceDevice_ID:
secret}), Handset, CheckPrice → rules + DB through the Django actions (run in a thread with
``sync_to_async``), CheckPriceConfirm (writes the CDR of a NeedConfirm=1 charge), UnBind; a malformed
PDU is answered with ``protocol.binary.error_response`` (or the link is closed).

The pending CheckPrice → CheckPriceConfirm pairs live in the connection (by SequenceNumber): a
lost connection loses only unconfirmed charges, which is what "must not charge" asks for.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from vasops.catalog.models import Product
from vasops.partners.models import Partner
from vasops.vac import actions, rules
from vasops.vac.errors import VacRefused
from vasops.vac.protocol import binary as b
from vasops.vac.protocol.codes import ResultCode

log = logging.getLogger(__name__)
CONFIRM_INTERVAL_SECONDS = 60
WILDCARD_SP = "00000"


@dataclass(slots=True)
class Connection:
    bound: str | None = None
    pending: dict[str, tuple[str, int]] = field(default_factory=dict)


def _credentials() -> dict[str, str]:
    return dict(getattr(settings, "VASOPS_VAC_TCP_CLIENTS", {}))


def bind_result(msg: b.Bind, conn: Connection) -> ResultCode:
    if conn.bound is not None:
        return ResultCode.ALREADY_BOUND
    secret = _credentials().get(msg.source_device_id)
    if secret is None:
        return ResultCode.INVALID_ACCOUNT
    if not b.verify_bind(msg, secret):
        return ResultCode.AUTH_MISMATCH
    conn.bound = msg.source_device_id
    return ResultCode.SUCCESS


def _product(sp_id: str, service_id: str) -> Product:
    partner = Partner.objects.filter(enterprise_code=sp_id).first()
    if partner is None:
        raise VacRefused(ResultCode.SP_NOT_FOUND)
    product = (
        Product.objects.select_related("partner", "business_line")
        .filter(partner=partner, product_code=service_id)
        .first()
    )
    if product is None:
        raise VacRefused(ResultCode.SERVICE_NOT_FOUND)
    return product


def _resp(
    msg: b.CheckPrice, code: ResultCode, *, need_confirm: int = 0, link_id: str = ""
) -> b.CheckPriceResp:
    tlvs: list[b.Tlv] = []
    if link_id:
        tlvs.append(b.Tlv.of(b.TlvTag.LINK_ID, link_id))
    if code != ResultCode.SUCCESS:
        tlvs.append(b.Tlv.of(b.TlvTag.RETURN_MESSAGE, code.en[:200]))
    return b.CheckPriceResp(
        sequence_id=msg.sequence_id,
        result_code=int(code),
        confirm_interval=CONFIRM_INTERVAL_SECONDS if need_confirm == 1 else -1,
        need_confirm=need_confirm if code == ResultCode.SUCCESS else -1,
        tlvs=tuple(tlvs),
    )


def check_price(msg: b.CheckPrice, conn: Connection) -> b.CheckPriceResp:
    """CheckPrice → the action of its Operation_Type (synchronous; runs in a worker thread)."""
    close_old_connections()
    op = rules.BINARY_OPS.get(msg.operation_type)
    if op is None:
        return _resp(msg, ResultCode.FIELD_INVALID)
    msisdn = msg.fa.number or msg.oa.number
    actor = "gateway"
    try:
        if op is rules.Op.BLOCK:
            actions.block_user(actor=actor, msisdn=msisdn, service_type=msg.service_type or "00")
        elif op is rules.Op.RESTORE:
            actions.restore_user(actor=actor, msisdn=msisdn, service_type=msg.service_type or "00")
        elif op is rules.Op.UNSUBSCRIBE_ALL:
            partner = None
            if msg.sp_id != WILDCARD_SP:
                partner = Partner.objects.filter(enterprise_code=msg.sp_id).first()
                if partner is None:
                    raise VacRefused(ResultCode.SP_NOT_FOUND)
            actions.unsubscribe_all(
                actor=actor, msisdn=msisdn, service_type=msg.service_type or "00", partner=partner
            )
        else:
            product = _product(msg.sp_id, msg.service_id)
            if op is rules.Op.SUBSCRIBE:
                channel = (msg.order_method or "sms").strip().lower()
                channel = (
                    channel if channel in rules.TRUSTED_CHANNELS | {"sms", "wap", "ivr", "web"} else "sms"
                )
                actions.subscribe(
                    actor=actor, msisdn=msisdn, product=product, channel=channel, link_id=msg.link_id or ""
                )
            elif op is rules.Op.UNSUBSCRIBE:
                actions.unsubscribe(actor=actor, msisdn=msisdn, product=product)
            elif op is rules.Op.CHECK:
                return _resp(msg, actions.check(msisdn, product).code)
            elif op is rules.Op.ON_DEMAND:
                link_id = msg.link_id or f"{msg.sequence_number}"[:20]
                actions.on_demand(
                    actor=actor,
                    msisdn=msisdn,
                    product=product,
                    link_id=link_id,
                    cdr_id=f"{conn.bound}-{msg.sequence_number}",
                )
                return _resp(msg, ResultCode.SUCCESS, link_id=link_id)
            else:  # AUTH_CHARGE: a charge waits for CheckPriceConfirm
                answer = actions.authenticate_use(
                    actor=actor, msisdn=msisdn, product=product, commit_charge=False
                )
                if answer.decision.charge:
                    conn.pending[msg.sequence_number] = (msisdn, product.pk)
                    return _resp(msg, ResultCode.SUCCESS, need_confirm=1)
    except VacRefused as exc:
        return _resp(msg, exc.result_code)
    return _resp(msg, ResultCode.SUCCESS)


def check_price_confirm(msg: b.CheckPriceConfirm, conn: Connection) -> b.CheckPriceConfirmResp:
    close_old_connections()
    pending = conn.pending.pop(msg.sequence_number, None)
    if pending is None:
        return b.CheckPriceConfirmResp(sequence_id=msg.sequence_id, result_code=ResultCode.FIELD_INVALID)
    if msg.err_code == ResultCode.SUCCESS:  # delivered: the charge stands
        msisdn, product_id = pending
        product = Product.objects.select_related("partner", "business_line").get(pk=product_id)
        try:
            actions.authenticate_use(
                actor="gateway", msisdn=msisdn, product=product, cdr_id=f"{conn.bound}-{msg.sequence_number}"
            )
        except VacRefused as exc:
            return b.CheckPriceConfirmResp(sequence_id=msg.sequence_id, result_code=int(exc.result_code))
    return b.CheckPriceConfirmResp(sequence_id=msg.sequence_id, result_code=ResultCode.SUCCESS)


async def _dispatch(msg: b.Message, conn: Connection) -> tuple[b.Message | None, bool]:
    """(response, close afterwards)."""
    if isinstance(msg, b.Bind):
        code = bind_result(msg, conn)
        close = code not in (ResultCode.SUCCESS, ResultCode.ALREADY_BOUND)
        return b.BindResp(sequence_id=msg.sequence_id, result_code=code), close
    if isinstance(msg, b.Handset):
        return b.HandsetResp(sequence_id=msg.sequence_id), False
    if isinstance(msg, b.UnBind):
        return b.UnBindResp(sequence_id=msg.sequence_id), True
    if conn.bound is None:
        error = b.ProtocolError(
            ResultCode.NOT_BOUND, "not bound", command_id=msg.COMMAND_ID, sequence_id=msg.sequence_id
        )
        return b.error_response(error), False
    if isinstance(msg, b.CheckPrice):
        return await sync_to_async(check_price, thread_sensitive=False)(msg, conn), False
    if isinstance(msg, b.CheckPriceConfirm):
        return await sync_to_async(check_price_confirm, thread_sensitive=False)(msg, conn), False
    return None, False  # responses from the peer (HandsetResp …) need no answer


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    conn = Connection()
    frames = b.FrameReader()
    try:
        while chunk := await reader.read(65536):
            try:
                pdus = frames.feed(chunk)
            except b.ProtocolError as exc:
                for pdu in exc.frames:
                    await _answer(pdu, conn, writer)
                if (resp := b.error_response(exc)) is not None:
                    writer.write(b.encode(resp))
                    await writer.drain()
                return
            for pdu in pdus:
                if not await _answer(pdu, conn, writer):
                    return
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


async def _answer(pdu: bytes, conn: Connection, writer: asyncio.StreamWriter) -> bool:
    """Handle one PDU; False when the connection should close."""
    try:
        msg = b.decode(pdu)
    except b.ProtocolError as exc:
        resp = b.error_response(exc)
        if resp is None:
            return False
        writer.write(b.encode(resp))
        await writer.drain()
        return True
    resp, close = await _dispatch(msg, conn)
    if resp is not None:
        writer.write(b.encode(resp))
        await writer.drain()
    return not close


async def serve(host: str = "0.0.0.0", port: int = 9999, **kwargs: Any) -> asyncio.Server:  # noqa: S104
    return await asyncio.start_server(handle, host, port, **kwargs)
