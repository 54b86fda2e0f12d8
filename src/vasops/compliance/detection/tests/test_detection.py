"""Detection on generated data: each figure flags the product beyond its threshold and not the
normal one; a re-run adds nothing twice; thresholds are the staff table's."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.compliance.detection import actions, providers, rules, tasks
from vasops.compliance.detection.models import DetectionHit, DetectionRule, DetectionRun
from vasops.compliance.detection.tests.conftest import at
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


def hits(metric: str | None = None) -> dict[str, DetectionHit]:
    qs = DetectionHit.objects.select_related("product")
    if metric:
        qs = qs.filter(metric=metric)
    return {h.product.name: h for h in qs}


def test_a_product_with_80_percent_unsubscribed_within_24h_is_flagged_and_a_normal_one_is_not(
    today, cdr_root, product, subscribe, staff
):
    cohort = today - dt.timedelta(days=2)  # the run for yesterday looks at the users of the day before
    bad, good = product("暗扣产品"), product("正常产品")
    subscribe(bad, 20, at(cohort, 9), unsubscribe_after=3 * H)
    subscribe(bad, 5, at(cohort, 9))
    subscribe(good, 1, at(cohort, 9), unsubscribe_after=3 * H)
    subscribe(good, 24, at(cohort, 9))
    run = tasks.run_detection(today - dt.timedelta(days=1))
    found = hits(rules.UNSUBSCRIBE_24H)
    assert set(found) == {"暗扣产品"}
    hit = found["暗扣产品"]
    assert (hit.value, hit.threshold, hit.sample, hit.day) == (8000, 3000, 25, cohort)
    assert hit.figures == {"new_subscribers": 25, "unsubscribed_within": 20, "hours": 24}
    assert run.hits >= 1
    assert AuditEvent.objects.filter(
        action="compliance.detection_hit_recorded", object_id=str(hit.pk)
    ).exists()
    note = Notification.objects.get(recipient=staff, subject__startswith="异常扣费检测")
    assert "暗扣产品" in note.body and "80.00%" in note.body


def test_unsubscribing_after_24h_counts_only_for_72h(today, cdr_root, product, subscribe):
    cohort = today - dt.timedelta(days=4)
    late = product("次日退订")
    subscribe(late, 20, at(cohort, 9), unsubscribe_after=30 * H)  # after 24 h, within 72 h
    subscribe(late, 5, at(cohort, 9))
    # the run for yesterday: 72 h cohort = 4 days ago; the 24 h cohort of that day is another run
    tasks.run_detection(today - dt.timedelta(days=1))
    assert set(hits(rules.UNSUBSCRIBE_72H)) == {"次日退订"}
    tasks.run_detection(cohort + dt.timedelta(days=1))  # its own 24 h run
    assert hits(rules.UNSUBSCRIBE_24H) == {}


@pytest.mark.parametrize(("quit_", "flagged"), [(6, True), (5, False)])
def test_the_24h_threshold_is_inclusive_at_30_percent(today, cdr_root, product, subscribe, quit_, flagged):
    cohort = today - dt.timedelta(days=2)
    p = product("边界")
    subscribe(p, quit_, at(cohort, 9), unsubscribe_after=H)
    subscribe(p, 20 - quit_, at(cohort, 9))
    tasks.run_detection(today - dt.timedelta(days=1))
    assert bool(hits(rules.UNSUBSCRIBE_24H)) is flagged  # 6/20 = 30.00 % ≥ 30 %, 5/20 = 25 %


def test_too_small_a_cohort_is_not_flagged(today, cdr_root, product, subscribe):
    cohort = today - dt.timedelta(days=2)
    p = product("小样本")
    subscribe(p, 19, at(cohort, 9), unsubscribe_after=H)  # 100 % but under 20 users
    tasks.run_detection(today - dt.timedelta(days=1))
    assert hits(rules.UNSUBSCRIBE_24H) == {}


def test_chargeable_orders_from_untrusted_channels_without_double_confirmation(
    today, cdr_root, product, subscribe
):
    day = today - dt.timedelta(days=1)
    sneaky, honest, free = (
        product("未确认"),
        product("已确认"),
        product("免费", billing_mode="free", fee_fen=0),
    )
    subscribe(sneaky, 3, at(day, 11), channel="wap")
    subscribe(sneaky, 10, at(day, 11), channel="crm")  # trusted channel: no confirmation needed
    subscribe(honest, 5, at(day, 11), channel="sms", confirm_sms=True)
    subscribe(free, 5, at(day, 11), channel="wap")
    tasks.run_detection(day)
    found = hits(rules.UNCONFIRMED)
    assert set(found) == {"未确认"}
    assert found["未确认"].value == 3 and found["未确认"].figures["channels"] == {"wap": 3}


def test_sudden_growth_of_charges_against_the_trailing_30_days(today, cdr_root, product, charge):
    day = today - dt.timedelta(days=1)
    spike, steady = product("突增", billing_mode="per_use"), product("平稳", billing_mode="per_use")
    for n in range(1, 31):
        charge(spike, at(day - dt.timedelta(days=n)), n=2)
        charge(steady, at(day - dt.timedelta(days=n)), n=20)
    charge(spike, at(day), n=40)  # 20× the daily average of 2
    charge(steady, at(day), n=25)  # 1.25×
    tasks.run_detection(day)
    found = hits(rules.GROWTH)
    assert set(found) == {"突增"}
    assert found["突增"].value == 200000 and found["突增"].figures["trailing_charges"] == 60
    assert (cdr_root / f"day={day.isoformat()}" / "part-0.parquet").exists()  # exported for the run


def test_share_of_subscribers_never_using_a_per_use_product(today, cdr_root, product, subscribe, charge):
    day = today - dt.timedelta(days=1)
    idle, busy = product("无人使用", billing_mode="per_use"), product("常用", billing_mode="per_use")
    idle_subs = subscribe(idle, 20, at(day - dt.timedelta(days=10)))
    busy_subs = subscribe(busy, 20, at(day - dt.timedelta(days=10)))
    for s in idle_subs[:2]:
        charge(idle, at(day - dt.timedelta(days=3)), msisdn_=s.msisdn)
    for s in busy_subs[:15]:
        charge(busy, at(day - dt.timedelta(days=3)), msisdn_=s.msisdn)
    tasks.run_detection(day)
    found = hits(rules.NEVER_USED)
    assert set(found) == {"无人使用"}
    assert found["无人使用"].value == 9000 and found["无人使用"].figures["never_used"] == 18


def test_monthly_charges_on_relations_created_on_the_last_day_of_the_month(
    freeze, cdr_root, product, subscribe, charge
):
    freeze("2026-12-02")
    last = dt.date(2026, 11, 30)
    dumper, normal = product("月末突击"), product("月中正常")
    for day, n in ((dt.date(2026, 11, 10), 5), (last, 20)):
        for s in subscribe(dumper, n, at(day, 12)):
            charge(dumper, at(day, 12), kind="monthly", cdr_id=f"M{s.pk}-202611", msisdn_=s.msisdn)
    for day in (dt.date(2026, 11, d) for d in range(1, 31)):
        for s in subscribe(normal, 1, at(day, 12)):
            charge(normal, at(day, 12), kind="monthly", cdr_id=f"M{s.pk}-202611", msisdn_=s.msisdn)
    tasks.run_detection(last)
    found = hits(rules.MONTH_END)
    assert set(found) == {"月末突击"}
    assert found["月末突击"].value == 8000
    assert found["月末突击"].figures == {
        "month_charges": 25,
        "last_day_charges": 20,
        "last_day_fee_fen": 20000,
    }


def test_complaints_per_10000_subscribers_come_from_the_registered_provider(
    today, cdr_root, product, subscribe
):
    day = today - dt.timedelta(days=1)
    loud, quiet = product("投诉多"), product("投诉少")
    subscribe(loud, 200, at(day - dt.timedelta(days=5)))
    subscribe(quiet, 200, at(day - dt.timedelta(days=5)))
    tasks.run_detection(day)  # no provider registered: 0 complaints, nothing flagged
    assert hits(rules.COMPLAINTS) == {}
    providers.register_complaint_source("test", lambda first, last: {loud.pk: 1, quiet.pk: 0})
    try:
        DetectionRun.objects.all().delete()
        tasks.run_detection(day)
    finally:
        providers.unregister_complaint_source("test")
    found = hits(rules.COMPLAINTS)
    assert set(found) == {"投诉多"} and found["投诉多"].value == 50  # 1 of 200 = 50 per 10,000


def test_a_rerun_records_nothing_twice(today, cdr_root, product, subscribe, staff):
    cohort = today - dt.timedelta(days=2)
    bad = product("暗扣产品")
    subscribe(bad, 20, at(cohort, 9), unsubscribe_after=H)
    day = today - dt.timedelta(days=1)
    tasks.run_detection(day)
    tasks.run_detection(day)
    assert DetectionHit.objects.count() == 1 and DetectionRun.objects.count() == 1
    assert AuditEvent.objects.filter(action="compliance.detection_hit_recorded").count() == 1
    assert Notification.objects.filter(recipient=staff, subject__startswith="异常扣费检测").count() == 1


def test_the_sweep_runs_each_missing_day_once(today, cdr_root):
    first = tasks.run_due()
    assert first["days"] == tasks.CATCH_UP_DAYS
    assert tasks.run_due() == {"days": 0, "hits": 0}


def test_thresholds_come_from_the_staff_table(today, cdr_root, product, subscribe, staff):
    cohort = today - dt.timedelta(days=2)
    p = product("中等")
    subscribe(p, 5, at(cohort, 9), unsubscribe_after=H)
    subscribe(p, 15, at(cohort, 9))  # 25 %
    rule = DetectionRule.objects.get(metric=rules.UNSUBSCRIBE_24H)
    actions.save_detection_rule(
        rule, actor=staff, threshold=2500, min_sample=20, is_active=True, violation_code=""
    )
    tasks.run_detection(today - dt.timedelta(days=1))
    assert hits(rules.UNSUBSCRIBE_24H)["中等"].threshold == 2500


def test_a_switched_off_rule_flags_nothing(today, cdr_root, product, subscribe, staff):
    cohort = today - dt.timedelta(days=2)
    subscribe(product("暗扣产品"), 20, at(cohort, 9), unsubscribe_after=H)
    rule = DetectionRule.objects.get(metric=rules.UNSUBSCRIBE_24H)
    actions.save_detection_rule(rule, actor=staff, threshold=3000, min_sample=20, is_active=False)
    tasks.run_detection(today - dt.timedelta(days=1))
    assert DetectionHit.objects.count() == 0


def test_rule_edits_need_the_permission_and_sane_numbers(staff, partner_person):
    rule = DetectionRule.objects.get(metric=rules.UNSUBSCRIBE_24H)
    with pytest.raises(PermissionDenied):
        actions.save_detection_rule(rule, actor=partner_person, threshold=1, min_sample=1, is_active=True)
    with pytest.raises(DomainError) as caught:
        actions.save_detection_rule(rule, actor=staff, threshold=10001, min_sample=1, is_active=True)
    assert caught.value.field == "threshold"


def test_today_cannot_be_detected_yet(today, cdr_root, staff):
    with pytest.raises(DomainError) as caught:
        tasks.run_detection(today, actor=staff)
    assert caught.value.code == "compliance.detection_invalid_day"


@pytest.mark.parametrize(
    ("part", "whole", "bp"), [(2, 3, 6667), (1, 3, 3333), (1, 8, 1250), (0, 0, 0), (8, 10, 8000)]
)
def test_ratios_round_half_up_once(part, whole, bp):
    assert rules.ratio_bp(part, whole) == bp


def test_growth_without_a_baseline_is_not_a_figure():
    assert rules.growth_bp(100, 0) is None
    assert rules.growth_bp(10, 60) == 50000


def test_a_hit_opens_a_violation_draft_with_the_figures_as_evidence(today, cdr_root, product, subscribe):
    from vasops.compliance.models import ViolationRecord

    cohort = today - dt.timedelta(days=2)
    bad = product("暗扣产品")
    subscribe(bad, 20, at(cohort, 9), unsubscribe_after=H)
    day = today - dt.timedelta(days=1)
    tasks.run_detection(day)
    hit = DetectionHit.objects.get()
    draft = ViolationRecord.objects.get(pk=hit.violation_id)
    assert draft.state == "draft" and draft.partner_id == bad.partner_id and draft.product_id == bad.pk
    assert draft.violation_type.code == "unauthorised_order"
    assert draft.evidence["value"] == 10000 and draft.evidence["unsubscribed_within"] == 20
    tasks.run_detection(day)  # a re-run drafts nothing twice
    assert ViolationRecord.objects.count() == 1


@pytest.mark.parametrize(("ago", "ok"), [(0, False), (1, True), (400, True), (401, False)])
def test_only_finished_days_of_the_last_400_can_be_detected(ago, ok):
    today = dt.date(2027, 1, 5)
    assert (rules.day_problem(today - dt.timedelta(days=ago), today) == "") is ok
