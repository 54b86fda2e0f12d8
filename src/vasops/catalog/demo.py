"""Demo data of the catalogue, built only through the actions (so every row has its audit
trail): a partner's products in every state, one pending change and one refused price rise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vasops.catalog import actions, queries
from vasops.catalog.models import BusinessLine, Product, ResourcePool
from vasops.core import clock
from vasops.core.errors import DomainError
from vasops.partners.models import Partner


def _demo_line() -> BusinessLine:
    """SMS when it takes products without a channel quota; else any active line that does."""
    lines = list(BusinessLine.objects.filter(is_active=True, needs_channel=False).order_by("sort_order"))
    for line in lines:
        if line.code == "SMS":
            return line
    if not lines:
        raise RuntimeError("no active business line without a channel quota to seed demo products on")
    return lines[0]


def seed_pools(*, staff_user: Any) -> list[ResourcePool]:
    """The demo's resource pools: the enterprise-code and access-number ranges admission allocates
    from, a channel quota for 流媒体 and the E1 lines of IVR (filled by
    :func:`seed_resource_holdings`, so an IVR application is refused under 第二章 二、4)."""
    pools = [
        actions.save_resource_pool(
            actor=staff_user,
            kind=ResourcePool.Kind.ENTERPRISE_CODE,
            name="湖北企业代码 44 号段",
            range_start="44100001",
            range_end="44100200",
        ),
        actions.save_resource_pool(
            actor=staff_user,
            kind=ResourcePool.Kind.SERVICE_ACCESS_NUMBER,
            name="106 业务接入号",
            range_start="1065518800",
            range_end="1065518899",
        ),
    ]
    lines = {line.code: line for line in BusinessLine.objects.filter(code__in=["STREAMING", "IVR"])}
    if "STREAMING" in lines:
        pools.append(
            actions.save_resource_pool(
                actor=staff_user,
                kind=ResourcePool.Kind.CHANNEL,
                business_line=lines["STREAMING"],
                name="流媒体门户频道",
                capacity=20,
                note="门户类业务频道规划数量",
            )
        )
    if "IVR" in lines:
        pools.append(
            actions.save_resource_pool(
                actor=staff_user,
                kind=ResourcePool.Kind.E1,
                business_line=lines["IVR"],
                name="语音信息服务 E1",
                capacity=4,
                note="语音信息服务的 E1 中继线路",
            )
        )
    return pools


def seed_resource_holdings(partner: Partner, *, staff_user: Any) -> None:
    """``partner`` holds every IVR E1 line (the pool is full) and two streaming channels."""
    for pool in ResourcePool.objects.filter(kind__in=[ResourcePool.Kind.E1, ResourcePool.Kind.CHANNEL]):
        quantity = pool.capacity - queries.pool_used(pool) if pool.kind == ResourcePool.Kind.E1 else 2
        if quantity > 0:
            actions.allocate_resource(
                pool, actor=staff_user, partner=partner, quantity=quantity, reason="演示：已开通业务占用"
            )


def _first_of_next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def seed_products(partner: Partner, *, staff_user: Any) -> list[Product]:
    """Products of ``partner`` in every state — draft, submitted, configuring (approved),
    testing, active, suspended, retired, rejected — plus a pending price-cut change on an
    active per-use product, and one monthly price rise attempt that the rules refuse (nothing
    recorded). ``staff_user`` holds the product_staff role. Runs on one frozen business day
    (today), so it works whatever the (demo) date is; safe to call twice (fresh codes)."""
    with clock.frozen(clock.today()) as today:
        line = _demo_line()
        base = partner.service_access_number or ""
        made: list[Product] = []
        serial = 0

        def draft(name: str, *, billing_mode: str, fee_fen: int, product_type: str, about: str) -> Product:
            nonlocal serial
            serial += 1
            product = actions.create_product(
                actor=staff_user,
                partner=partner,
                business_line=line,
                name=name,
                access_number=f"{base}{serial}",
                description=about,
                product_type=product_type,
                fee_fen=fee_fen,
                billing_mode=billing_mode,
                details={"order_cmd": f"DY{serial}", "cancel_cmd": f"TD{serial}"},
            )
            made.append(product)
            return product

        def submitted(product: Product) -> Product:
            return actions.submit_product(product, actor=staff_user)

        def configuring(product: Product) -> Product:
            submitted(product)
            return actions.review_product(
                product,
                actor=staff_user,
                decision="approve",
                reason="资料齐全，同意上线。",
                product_code=queries.suggest_product_code(line),
            )

        def testing(product: Product) -> Product:
            configuring(product)
            return actions.finish_configuration(product, actor=staff_user, note="各系统数据已制作。")

        def active(product: Product) -> Product:
            testing(product)
            for case in product.test_cases.all():
                actions.record_test_result(case, actor=staff_user, passed=True, note="演示：通过")
            return actions.complete_testing(product, actor=staff_user)

        draft(
            "健康小贴士",
            billing_mode="monthly",
            fee_fen=300,
            product_type="information",
            about="每日健康知识短信。",
        )
        submitted(
            draft(
                "星座运势",
                billing_mode="monthly",
                fee_fen=500,
                product_type="entertainment",
                about="每日星座运势。",
            )
        )
        configuring(
            draft(
                "楚天快讯",
                billing_mode="monthly",
                fee_fen=600,
                product_type="information",
                about="湖北本地新闻。",
            )
        )
        testing(
            draft(
                "答题赢积分",
                billing_mode="per_use",
                fee_fen=100,
                product_type="media_interaction",
                about="互动答题。",
            )
        )
        weather = active(
            draft(
                "天气预报",
                billing_mode="monthly",
                fee_fen=500,
                product_type="information",
                about="武汉天气预报。",
            )
        )
        jokes = active(
            draft(
                "笑话点播",
                billing_mode="per_use",
                fee_fen=200,
                product_type="entertainment",
                about="按次点播笑话。",
            )
        )
        actions.suspend_product(
            active(
                draft(
                    "彩票资讯",
                    billing_mode="monthly",
                    fee_fen=800,
                    product_type="information",
                    about="开奖信息。",
                )
            ),
            actor=staff_user,
            reason="演示：投诉较多，暂停代收费整改。",
        )
        actions.retire_product(
            active(
                draft(
                    "旧版铃声",
                    billing_mode="per_item",
                    fee_fen=150,
                    product_type="entertainment",
                    about="铃声下载。",
                )
            ),
            actor=staff_user,
            reason="演示：合作伙伴申请下线。",
        )
        rejected = submitted(
            draft(
                "高额竞猜",
                billing_mode="per_use",
                fee_fen=1000,
                product_type="media_interaction",
                about="竞猜。",
            )
        )
        actions.review_product(
            rejected, actor=staff_user, decision="reject", reason="演示：涉嫌诱导消费，驳回。"
        )

        # a pending change: price cut on the per-use product (change review)
        effective_on = _first_of_next_month(today)
        actions.request_change(
            jokes,
            actor=staff_user,
            name=jokes.name,
            description=jokes.description,
            fee_fen=150,
            effective_on=effective_on,
            reason="演示：促销降价。",
        )
        # a monthly price rise is refused by the rules and recorded nowhere
        try:
            actions.request_change(
                weather,
                actor=staff_user,
                name=weather.name,
                description=weather.description,
                fee_fen=weather.fee_fen + 300,
                effective_on=effective_on,
                reason="演示：包月提价（应被拒绝）。",
            )
        except DomainError:
            pass
        else:  # pragma: no cover - the rule guarantees the refusal
            raise AssertionError("a monthly price rise must be refused")
    return [Product.objects.get(pk=p.pk) for p in made]
