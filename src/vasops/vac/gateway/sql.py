"""The SQL of the gateway's write path (asyncpg, ``$n`` parameters). The reads of the cache live in
:mod:`vasops.vac.cache` (shared with the rebuild)."""

from __future__ import annotations

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
ACTIVATE_SQL = """
UPDATE vac_subscription SET state = 'active', effective_at = $2, updated_at = $2,
       last_charged_month = COALESCE($3, last_charged_month)
 WHERE id = $1
"""
CHARGED_MONTH_SQL = "UPDATE vac_subscription SET last_charged_month = $2, updated_at = $3 WHERE id = $1"

CDR_SQL = """
INSERT INTO vac_usagerecord (cdr_id, msisdn, product_id, partner_id, fee_fen, kind, at)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING
"""
# Per-use CDRs of concurrent requests in one statement (GroupCommit): one array per column. The
# ids written are returned; a request whose id was already there is compared with that row.
CDR_BATCH_SQL = """
INSERT INTO vac_usagerecord (cdr_id, msisdn, product_id, partner_id, fee_fen, kind, at)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::int[], $6::text[],
                     $7::timestamptz[])
ON CONFLICT DO NOTHING
RETURNING cdr_id
"""
# The rows already written under the ids a batch could not write (the same request re-sent, or a
# clash of ids from different requests: answered 3105).
EXISTING_CDRS_SQL = """
SELECT cdr_id, msisdn, product_id, fee_fen, link_id FROM vac_usagerecord WHERE cdr_id = ANY($1::text[])
"""
# One SP notification (VAC.md B.3). $1 = yymmdd of the record sequence id; the rest in the order of
# engine.outbox_args.
OUTBOX_SQL = """
INSERT INTO vac_notifyoutbox (id, record_sequence_id, user_id_type, user_id, service_type, sp_id,
    product_id, update_type, update_time, update_desc, link_id, content, effective_date,
    expire_date, time_stamp, encode_str, state, attempts, next_attempt_at, last_error, created_at,
    partner_id, subscription_id)
SELECT n.id, $1 || lpad(n.id::text, 12, '0'), 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
       $13, '', 'pending', 0, $14, '', $14, $15, $16
  FROM (SELECT nextval(pg_get_serial_sequence('vac_notifyoutbox', 'id')) AS id) n
"""
# 点播 for a whole batch of concurrent requests in one statement (one round trip, one COMMIT): the
# CDRs (idempotent on their id, with the LinkID answered) and the SP notifications (updateType 3),
# each written only when its CDR is new (a re-sent request, even twice in the same batch,
# notifies once). Every parameter is an array with one element per request, in the order of
# :func:`engine.on_demand_row`; the Beijing-time stamps of the notification are formatted here
# from ``at`` (fewer arrays to encode per row). Returns the CDR ids written.
ON_DEMAND_SQL = """
WITH i AS (
  SELECT t.*, t.at AT TIME ZONE 'Asia/Shanghai' AS bj,
         row_number() OVER (PARTITION BY t.charge, t.cdr ORDER BY t.ord) AS rn
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                $7::bigint[], $8::text[], $9::bigint[], $10::int[], $11::bool[], $12::text[])
         WITH ORDINALITY AS t(msisdn, st, sp, pc, link, at, partner, cdr, product, fee, charge, descr, ord)
),
cdr AS (
  INSERT INTO vac_usagerecord (cdr_id, msisdn, product_id, partner_id, fee_fen, kind, at, link_id)
  SELECT cdr, msisdn, product, partner, fee, 'per_use', at, link FROM i WHERE charge ORDER BY ord
  ON CONFLICT DO NOTHING RETURNING cdr_id
),
n AS (
  SELECT nextval(pg_get_serial_sequence('vac_notifyoutbox', 'id')) AS id, i.*
    FROM i
   WHERE NOT i.charge OR (i.rn = 1 AND i.cdr IN (SELECT cdr_id FROM cdr))
   ORDER BY i.ord
),
o AS (
  INSERT INTO vac_notifyoutbox (id, record_sequence_id, user_id_type, user_id, service_type, sp_id,
      product_id, update_type, update_time, update_desc, link_id, content, effective_date,
      expire_date, time_stamp, encode_str, state, attempts, next_attempt_at, last_error, created_at,
      partner_id, subscription_id)
  SELECT n.id, to_char(n.bj, 'YYMMDD') || lpad(n.id::text, 12, '0'), 1, '86' || n.msisdn, n.st, n.sp,
         n.pc, 3, to_char(n.bj, 'YYYYMMDDHH24MISS'), n.descr, n.link, '', '', '',
         to_char(n.bj, 'MMDDHH24MISS'), '', 'pending', 0, n.at, '', n.at, n.partner, NULL
    FROM n
)
SELECT cdr_id FROM cdr
"""

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
RESTORE_SQL = "UPDATE vac_userblock SET state = 'restored', restored_at = $2 WHERE id = $1"
PARTNER_SQL = "SELECT id FROM partners_partner WHERE enterprise_code = $1"
# the double-confirmation SMS (二次确认) of a pending relation, sent by the SGIP client (vac.sms)
CONFIRM_SMS_SQL = """
INSERT INTO vac_smsmessage (msisdn, kind, text, subscription_id, items, state, attempts,
                            next_attempt_at, last_error, submit_sequence, created_at)
VALUES ($1, 'confirm', $2, $3, '[]', 'pending', 0, $4, '', '', $4)
"""
