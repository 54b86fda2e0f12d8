"""The set-based applier of subscribe/unsubscribe records (PostgreSQL, COPY)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from vasops.vac import actions, rules
from vasops.vac.crm.common import (
    ACTOR,
    SUBSCRIBE,
    Failure,
    ProductInfo,
    _Products,
    _reason,
    _stamp,
    refusal,
)
from vasops.vac.crm.marks import _Marks
from vasops.vac.models import LIVE_STATES, CrmBatchFile, NotifyOutbox, Subscription, SubscriptionHistory
from vasops.vac.msisdn import COUNTRY_CODE
from vasops.vac.protocol.codes import ResultCode
from vasops.vac.protocol.crm_batch import BatchRow
from vasops.vac.protocol.soap import UpdateType

# ------------------------------------------------------------------------ set-based path ---

PENDING = Subscription.State.PENDING_CONFIRMATION.value
ACTIVE = Subscription.State.ACTIVE.value
FILE_ONLY = NotifyOutbox.State.FILE_ONLY.value
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SUBSCRIPTION_COLUMNS = (
    "id, msisdn, product_id, partner_id, state, channel, link_id, requested_at, effective_at, expiry_at,"
    " last_charged_month, updated_at"
)
_HISTORY_COLUMNS = "id, subscription_id, event, from_state, to_state, channel, actor_label, reason, at"
_USAGE_COLUMNS = "cdr_id, msisdn, product_id, partner_id, fee_fen, kind, at"
# the varying columns first; the rest is the same for every row of a product × update type
_OUTBOX_COLUMNS = (
    "id, subscription_id, user_id, link_id, effective_date, record_sequence_id, partner_id, service_type,"
    " sp_id, product_id, update_type, update_desc, update_time, expire_date, time_stamp, next_attempt_at,"
    " created_at, user_id_type, content, encode_str, state, attempts, last_error"
)
# The numbers and ids travel as one comma-separated parameter: psycopg quotes a list of 20,000
# strings slower than PostgreSQL answers the query.
_LIVE_SQL = """
SELECT id, msisdn, product_id, state, channel, link_id, requested_at, effective_at, last_charged_month
  FROM vac_subscription
 WHERE msisdn = ANY(string_to_array(%(msisdns)s, ',')) AND state IN ('pending_confirmation', 'active')
"""
_USERS_SQL = """
SELECT msisdn, '' FROM vac_account
 WHERE msisdn = ANY(string_to_array(%(msisdns)s, ',')) AND state = 'closed'
UNION ALL
SELECT msisdn, service_type FROM vac_userblock
 WHERE msisdn = ANY(string_to_array(%(msisdns)s, ',')) AND state = 'blocked'
"""
_IDS_SQL = """
SELECT ARRAY(SELECT nextval(%s::regclass) FROM generate_series(1, %s)),
       ARRAY(SELECT nextval(%s::regclass) FROM generate_series(1, %s)),
       ARRAY(SELECT nextval(%s::regclass) FROM generate_series(1, %s))
"""
# ends the relations still in the state the plan saw (the caller compares the row count)
_END_SQL = """
UPDATE vac_subscription s SET state = e.state, expiry_at = %s, updated_at = %s
  FROM unnest(string_to_array(%s, ',')::bigint[], string_to_array(%s, ','), string_to_array(%s, ','))
       AS e(id, state, before)
 WHERE s.id = e.id AND s.state = e.before
"""


def _copy_text(value: str) -> str:
    """A value as a field of COPY's text format."""
    return value.translate(_COPY_ESCAPES)


class _Rel:
    """A live relation as a plan sees it: a row read from the database (``plan`` 0) or one the
    plan numbered ``plan`` creates."""

    __slots__ = (
        "channel",
        "effective_at",
        "id",
        "last_charged_month",
        "link_id",
        "msisdn",
        "partner_id",
        "plan",
        "product_id",
        "requested_at",
        "state",
    )

    def __init__(
        self,
        id: int,
        msisdn: str,
        product_id: int,
        partner_id: int,
        state: str,
        channel: str,
        link_id: str,
        requested_at: dt.datetime,
        effective_at: dt.datetime | None,
        last_charged_month: str,
        plan: int,
    ) -> None:
        self.id = id
        self.msisdn = msisdn
        self.product_id = product_id
        self.partner_id = partner_id
        self.state = state
        self.channel = channel
        self.link_id = link_id
        self.requested_at = requested_at
        self.effective_at = effective_at
        self.last_charged_month = last_charged_month
        self.plan = plan


Live = dict[tuple[str, int], _Rel]  # (msisdn, product id) → the live relation


@dataclass
class _Plan:
    """What a run of records does, decided in line order: the relations it creates (with their
    final state), the existing ones it ends (and the state it saw them in), the history rows
    (relation, the row after its id), the CDRs (relation, fee, product), the notifications
    (relation, product, update type), the refused records. ``live``: every live relation of
    ``msisdns`` once the run is applied — what the next plan starts from while this one is not
    committed yet."""

    number: int
    msisdns: set[str]
    live: Live
    new: list[_Rel] = field(default_factory=list)
    ended: list[tuple[_Rel, str]] = field(default_factory=list)
    history: list[tuple[_Rel, str]] = field(default_factory=list)
    usage: list[tuple[_Rel, int, ProductInfo]] = field(default_factory=list)
    outbox: list[tuple[_Rel, ProductInfo, int]] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    failures: list[Failure] = field(default_factory=list)
    # (number, product)s a plan before this one ends and is not committed yet: a relation this
    # plan orders again there is written once that one has committed
    reopened: set[tuple[str, int]] = field(default_factory=set)


Copy = tuple[str, str, str]  # table, columns, COPY text


@dataclass
class _Writes:
    """A plan as statements: (table, columns, COPY text) of the new rows, the relations to end
    (ids, new states, states seen — each comma-separated), then the new relations of a number
    and product the plan ends first (a number that leaves a product and orders it again), and
    the users touched."""

    copies: list[Copy]
    ended: tuple[str, str, str] | None
    expected: int
    late: list[Copy]
    touched: list[str]
    marked: bool | None = None  # the touched users' cache marks: set (True), failed, not yet


class _Conflict(Exception):
    """A relation the plan ends changed since it was read (a concurrent write)."""


class _Bulk:
    """The set-based applier of subscribe/unsubscribe records (PostgreSQL).

    :meth:`plan` reads the users' live relations, closed accounts and blocks (two queries) and
    takes the same :func:`vasops.vac.rules.decide` decisions as the actions, in memory, in line
    order; :meth:`writes` draws the ids of the new rows from their sequences (one query) and
    renders them as COPY text; :meth:`write_new` and :meth:`write_ends` run them — a handful of
    statements for thousands of lines. A plan may be made while the plans before it are being
    written: it starts from theirs for the users they share, and :meth:`write_ends` ends only
    relations still in the state the plan saw (else :class:`_Conflict`; a relation made
    meanwhile is an IntegrityError)."""

    def __init__(self, batch: CrmBatchFile, products: _Products) -> None:
        self.batch = batch
        self.products = products
        self.reason = _reason(batch)
        self.interval = actions.confirm_interval()
        self.sequences: tuple[str, str, str] | None = None
        self.marks = _Marks()
        self.numbers = itertools.count(1)  # plans are made in two threads

    def plan(
        self, rows: list[BatchRow], now: dt.datetime, previous: Sequence[_Plan] = (), lock: bool = False
    ) -> _Plan:
        """``previous``: the plans not committed yet, in order (their users start from their
        ``live``); ``lock``: read the relations FOR UPDATE (a plan written in the same
        transaction)."""
        failures: list[Failure] = []
        todo: list[tuple[BatchRow, str, ProductInfo]] = []
        for row in rows:
            if row.msisdn is None:  # a pseudo-code user
                failures.append((row, *refusal(ResultCode.USER_ID_INVALID)))
                continue
            info = self.products.get(row.sp_id, row.product_id)
            if isinstance(info, ResultCode):
                failures.append((row, *refusal(info)))
                continue
            todo.append((row, row.msisdn[2:], info))
        msisdns = {msisdn for _row, msisdn, _info in todo}
        live, closed, blocks = self._read(msisdns, lock) if msisdns else ({}, set(), set())
        reopened: set[tuple[str, int]] = set()
        for earlier in previous:
            if shared := msisdns & earlier.msisdns:
                for key in [key for key in live if key[0] in shared]:
                    del live[key]  # … as that plan leaves them
                live.update((key, rel) for key, rel in earlier.live.items() if key[0] in shared)
                reopened.update(
                    (r.msisdn, r.product_id) for r, _before in earlier.ended if r.msisdn in shared
                )
        plan = _Plan(next(self.numbers), msisdns, live, failures=failures, reopened=reopened)
        self._decide(plan, todo, closed, blocks, now)
        return plan

    def _read(self, msisdns: set[str], lock: bool) -> tuple[Live, set[str], set[tuple[str, str]]]:
        live: Live = {}
        closed: set[str] = set()
        blocks: set[tuple[str, str]] = set()
        numbers = ",".join(msisdns)  # digits (BatchRow.msisdn)
        with connection.cursor() as cursor:
            cursor.execute(_LIVE_SQL + (" FOR UPDATE" if lock else ""), {"msisdns": numbers})
            for sid, msisdn, product_id, state, channel, link_id, requested, effective, month in cursor:
                live[(msisdn, product_id)] = _Rel(
                    sid, msisdn, product_id, 0, state, channel, link_id, requested, effective, month, 0
                )
            cursor.execute(_USERS_SQL, {"msisdns": numbers})
            for msisdn, service_type in cursor:
                if service_type:
                    blocks.add((msisdn, service_type))
                else:
                    closed.add(msisdn)
        return live, closed, blocks

    def _decide(
        self,
        plan: _Plan,
        todo: list[tuple[BatchRow, str, ProductInfo]],
        closed: set[str],
        blocks: set[tuple[str, str]],
        now: dt.datetime,
    ) -> None:
        live, new, ended, history = plan.live, plan.new, plan.ended, plan.history
        usage, outbox, touched, failures = plan.usage, plan.outbox, plan.touched, plan.failures
        number = plan.number
        month = rules.month_key(now)
        at = now.isoformat()
        requested = f"\trequested\t\t{PENDING}\tcrm\t{ACTOR}\t\t{at}\n"
        activated = f"\tactivated\t{PENDING}\t{ACTIVE}\tcrm\t{ACTOR}\t\t{at}\n"
        endings: dict[tuple[str, str, str], str] = {}
        reason = _copy_text(self.reason)
        subscribe_type, unsubscribe_type = int(UpdateType.SUBSCRIBE), int(UpdateType.UNSUBSCRIBE)
        # rules.decide is pure: one call per distinct set of facts (the chunk's now is fixed)
        decisions: dict[tuple[Any, ...], rules.Decision] = {}
        for row, msisdn, info in todo:
            key = (msisdn, info.id)
            rel = live.get(key)
            subscribe = row.update_type == SUBSCRIBE
            facts_key = (
                subscribe,
                info.id,
                msisdn in closed,
                bool(blocks) and ((msisdn, "00") in blocks or (msisdn, info.service_type) in blocks),
                None if rel is None else rel.state,
                None if rel is None else rel.requested_at,
                "" if rel is None else rel.last_charged_month,
            )
            decision = decisions.get(facts_key)
            if decision is None:
                decision = decisions[facts_key] = self._decision(facts_key, info, now)
            if decision.code != ResultCode.SUCCESS:
                failures.append((row, *refusal(decision.code)))
                continue
            touched.add(msisdn)
            if subscribe:
                rel = live[key] = _Rel(
                    0, msisdn, info.id, info.partner_id, PENDING, "crm", row.link_id, now, None, "", number
                )
                new.append(rel)
                history.append((rel, requested))
                if decision.outcome is not rules.Outcome.PENDING:
                    rel.effective_at = now
                    rel.state = ACTIVE
                    history.append((rel, activated))
                    if decision.charge:
                        usage.append((rel, decision.price_fen, info))
                        rel.last_charged_month = month
                    outbox.append((rel, info, subscribe_type))
                continue
            assert rel is not None  # decide() refuses an unsubscribe without a live relation
            del live[key]
            before = rel.state
            drop = before == PENDING or decision.outcome is rules.Outcome.DROP
            rel.state = Subscription.State.DROPPED if drop else Subscription.State.UNSUBSCRIBED
            if rel.plan != number:
                ended.append((rel, before))
            ending = endings.get((before, rel.state, rel.channel))
            if ending is None:
                event = "dropped" if drop else "unsubscribed"
                ending = endings[(before, rel.state, rel.channel)] = (
                    f"\t{event}\t{before}\t{rel.state}\t{_copy_text(rel.channel)}\t{ACTOR}\t{reason}\t{at}\n"
                )
            history.append((rel, ending))
            if not drop:
                outbox.append((rel, info, unsubscribe_type))

    def _decision(self, facts_key: tuple[Any, ...], info: ProductInfo, now: dt.datetime) -> rules.Decision:
        subscribe, _pid, closed, blocked, state, requested_at, last_charged_month = facts_key
        facts = rules.Facts(
            now=now,
            level=info.level,
            level_source=info.level_source,
            billing_mode=info.billing_mode,
            price_fen=info.price_fen,
            channel="crm" if subscribe else "sms",
            account_closed=closed,
            user_blocked=blocked,
            subscription_state=state,
            requested_at=requested_at,
            last_charged_month=last_charged_month,
            confirm_interval=self.interval,
        )
        return rules.decide(rules.Op.SUBSCRIBE if subscribe else rules.Op.UNSUBSCRIBE, facts)

    def writes(self, plan: _Plan, now: dt.datetime) -> _Writes:
        """Ids for the new rows (from the sequences: a plan that is not written leaves a gap)
        and the COPY texts. The text is final: a later plan may change the same relations.

        The history rows' ids are drawn here too, in plan order: the plans are made one after
        the other, but their transactions write at once, and a relation's history is read in
        id order (a later chunk's COPY may run before the one that created the relation)."""
        at = now.isoformat()
        with connection.cursor() as cursor:
            if self.sequences is None:
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id'),"
                    " pg_get_serial_sequence(%s, 'id')",
                    [
                        Subscription._meta.db_table,
                        NotifyOutbox._meta.db_table,
                        SubscriptionHistory._meta.db_table,
                    ],
                )
                self.sequences = cursor.fetchone()
            sub_seq, outbox_seq, history_seq = self.sequences
            cursor.execute(
                _IDS_SQL,
                [sub_seq, len(plan.new), outbox_seq, len(plan.outbox), history_seq, len(plan.history)],
            )
            sub_ids, outbox_ids, history_ids = cursor.fetchone()
        for rel, new_id in zip(plan.new, sub_ids, strict=True):
            rel.id = new_id
        ended = None
        new, again = plan.new, []
        if plan.ended:
            ended = (
                ",".join([str(rel.id) for rel, _before in plan.ended]),
                ",".join([rel.state for rel, _before in plan.ended]),
                ",".join([before for _rel, before in plan.ended]),
            )
        if plan.ended or plan.reopened:
            left = {(rel.msisdn, rel.product_id) for rel, _before in plan.ended} | plan.reopened
            if any((rel.msisdn, rel.product_id) in left for rel in new):
                again = [rel for rel in new if (rel.msisdn, rel.product_id) in left]
                new = [rel for rel in new if (rel.msisdn, rel.product_id) not in left]
        copies = []
        if new:
            copies.append(("vac_subscription", _SUBSCRIPTION_COLUMNS, self._subscriptions(new, at)))
        if plan.history:
            history = "".join(
                [f"{hid}\t{rel.id}{tail}" for hid, (rel, tail) in zip(history_ids, plan.history, strict=True)]
            )
            copies.append(("vac_subscriptionhistory", _HISTORY_COLUMNS, history))
        if plan.usage:
            month = rules.month_key(now)
            usage = "".join(
                [
                    f"M{rel.id}-{month}\t{rel.msisdn}\t{info.id}\t{info.partner_id}\t{fee}\tmonthly\t{at}\n"
                    for rel, fee, info in plan.usage
                ]
            )
            copies.append(("vac_usagerecord", _USAGE_COLUMNS, usage))
        if plan.outbox:
            copies.append(
                ("vac_notifyoutbox", _OUTBOX_COLUMNS, self._notifications(plan.outbox, outbox_ids, now))
            )
        late = [("vac_subscription", _SUBSCRIPTION_COLUMNS, self._subscriptions(again, at))] if again else []
        return _Writes(copies, ended, len(plan.ended), late, sorted(plan.touched))

    @staticmethod
    def _subscriptions(new: list[_Rel], at: str) -> str:
        lines = []
        for rel in new:
            effective = at if rel.effective_at is not None else "\\N"
            expiry = "\\N" if rel.state in LIVE_STATES else at
            link = _copy_text(rel.link_id) if rel.link_id else ""
            lines.append(
                f"{rel.id}\t{rel.msisdn}\t{rel.product_id}\t{rel.partner_id}\t{rel.state}\tcrm\t{link}\t{at}\t"
                f"{effective}\t{expiry}\t{rel.last_charged_month}\t{at}\n"
            )
        return "".join(lines)

    def _notifications(
        self, outbox: list[tuple[_Rel, ProductInfo, int]], ids: list[int], now: dt.datetime
    ) -> str:
        """The rows as actions._notify writes them for a CRM batch line (the relation as it is at
        that moment; ``file_only``: the SP reads them in the sync files, B.1)."""
        at = now.isoformat()
        prefix = _stamp(now, "%y%m%d")
        constants: dict[tuple[int, int], str] = {}
        effective: dict[dt.datetime | None, str] = {}
        lines = []
        for oid, (rel, info, update_type) in zip(ids, outbox, strict=True):
            fixed = constants.get((info.id, update_type))
            if fixed is None:
                product = info.product
                unsubscribe = update_type == UpdateType.UNSUBSCRIBE
                desc = _copy_text((product.access_number or "")[:100])  # a CRM-side order (B.3)
                sp_id = _copy_text(product.partner.enterprise_code or "")
                fixed = constants[(info.id, update_type)] = (
                    f"{info.partner_id}\t{info.service_type}\t{sp_id}"
                    f"\t{_copy_text(product.product_code or '')}\t{update_type}\t{desc}\t{_stamp(now)}"
                    f"\t{_stamp(now) if unsubscribe else rules.FAR_FUTURE}\t{_stamp(now, '%m%d%H%M%S')}"
                    f"\t{at}\t{at}\t1\t\t\t{FILE_ONLY}\t0\t\n"
                )
            started = effective.get(rel.effective_at)
            if started is None:
                started = effective[rel.effective_at] = _stamp(rel.effective_at)
            link = _copy_text(rel.link_id[:20]) if rel.link_id else ""
            lines.append(
                f"{oid}\t{rel.id}\t{COUNTRY_CODE}{rel.msisdn}\t{link}\t{started}\t{prefix}{oid:012d}\t{fixed}"
            )
        return "".join(lines)

    def write_new(self, writes: _Writes) -> None:
        """Inside the chunk's transaction: the users' cache marks (unless set when planned), the
        new rows (they do not depend on the chunk before, which may still be committing)."""
        if writes.marked is None:
            writes.marked = self.marks.begin(writes.touched)
        self.marks.on_commit(writes.touched, writes.marked)
        _copy(writes.copies)

    @staticmethod
    def write_ends(writes: _Writes, now: dt.datetime) -> None:
        """… then, once the chunk before has committed, the relations ended and the relations
        ordered again after them."""
        if writes.ended is not None:
            with connection.cursor() as cursor:
                cursor.execute(_END_SQL, [now, now, *writes.ended])
                if cursor.rowcount != writes.expected:
                    raise _Conflict(f"{writes.expected - cursor.rowcount} relations changed meanwhile")
        _copy(writes.late)


def _copy(copies: list[Copy]) -> None:
    with connection.cursor() as cursor, connection.wrap_database_errors:
        for table, columns, text in copies:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(text)
