"""Console page latency benchmark (`make bench-console`, BENCH_ARGS="--size tiny|medium|full").

On PostgreSQL (DATABASE_URL; the benchmark creates and migrates its own database, default
``vasops_bench``) it bulk-creates partners, admission applications and work orders, then measures
console pages with Django's test Client in-process — logged in as a staff user holding every
console role — and a bare Django view (same middleware, trivial view) in the same run. It prints
p50/p95/p99 per page, the ratio to the bare view and PASS/FAIL against p95 ≤ 150 ms, and writes
bench/results/console.json. The staff second factor is switched off for the benchmark
(VASOPS_STAFF_2FA=0): the TOTP check costs one session read, it is not what is measured here.

Exit status: 1 when a page errors (non-200); at small/medium/full size also 1 when a page misses
the p95 budget. At tiny size (the CI smoke run) the budget is reported (PASS/FAIL) but does not
fail the build: tiny data on a shared CI runner says nothing about latency at province scale.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

# (partners, admission applications, work orders, catalogue products)
SIZES = {
    "tiny": (50, 200, 200, 200),
    "small": (500, 5_000, 10_000, 5_000),
    "medium": (2_000, 20_000, 40_000, 20_000),
    "full": (5_000, 50_000, 100_000, 50_000),
}
P95_BUDGET_MS = 150.0
RESULTS = ROOT / "bench" / "results" / "console.json"

# (label, URL name, kind): kind "list" takes no argument, "detail:<model key>" takes a pk.
PAGES = [
    ("合作伙伴列表", "partners:list", "list"),
    ("合作伙伴详情", "partners:detail", "detail:partner"),
    ("准入申请列表", "admission:application_list", "list"),
    ("准入申请详情", "admission:application_detail", "detail:application"),
    ("工单队列", "workorders:queue", "list"),
    ("工单详情", "workorders:detail", "detail:workorder"),
    ("控制台首页", "console:home", "list"),
    ("审计日志", "core:audit_log", "list"),
    ("产品目录", "catalog:products", "list"),
    ("产品详情", "catalog:product_detail", "detail:product"),
    ("产品审核", "catalog:review_queue", "list"),
    ("合作伙伴变更队列", "partners:change_queue", "list"),
    ("工单 SLA 报表", "workorders:sla_report", "list"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--partners", type=int, help="override the size's partner count")
    parser.add_argument("--applications", type=int, help="override the size's application count")
    parser.add_argument("--workorders", type=int, help="override the size's work-order count")
    parser.add_argument("--products", type=int, help="override the size's catalogue product count")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--database", default="vasops_bench")
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench database and its data")
    parser.add_argument("--output", default=str(RESULTS))
    return parser.parse_args()


def prepare_database(args: argparse.Namespace) -> str:
    """Point DATABASE_URL at the bench database, (re)creating it. Returns the new URL."""
    source = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vasops")
    parts = urlparse(source)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(f"bench-console needs PostgreSQL, DATABASE_URL is {source!r}")
    import psycopg

    admin_url = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone()
        if exists and not args.reuse:
            conn.execute(f'DROP DATABASE "{args.database}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.database}"')
    return urlunparse(parts._replace(path=f"/{args.database}"))


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["VASOPS_STAFF_2FA"] = "0"  # the benchmark measures pages, not the TOTP step
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("DEBUG", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vasops.settings")
    import warnings

    import django
    from django.conf import settings

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: static not collected
    django.setup()
    settings.ROOT_URLCONF = "bench.bench_urls"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _model(app_label: str, name: str) -> Any:
    from django.apps import apps

    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def _fill_required(model: Any, values: dict[str, Any], i: int) -> dict[str, Any]:
    """Give every required concrete field the generator did not set a plausible value, so the
    benchmark keeps working while the models grow."""
    from django.db import models

    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in values or f.attname in values or f.has_default() or f.null:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            continue
        if f.choices:
            values[f.name] = f.choices[i % len(f.choices)][0]
        elif isinstance(f, models.ForeignKey):
            raise RuntimeError(f"{model.__name__}.{f.name}: required foreign key the benchmark does not know")
        elif isinstance(f, models.CharField | models.TextField):
            if f.blank and not f.unique:
                continue
            text = f"b{i}" if f.unique else f"基准{f.name}"
            values[f.name] = text[: f.max_length] if f.max_length else text
        elif isinstance(f, models.BooleanField):
            values[f.name] = False
        elif isinstance(f, models.IntegerField):
            values[f.name] = i if f.unique else 1
        elif isinstance(f, models.DateTimeField):
            values[f.name] = dt.datetime.now(dt.UTC)
        elif isinstance(f, models.DateField):
            values[f.name] = dt.date(2026, 1, 1)
        elif isinstance(f, models.JSONField):
            values[f.name] = {}
    return values


def _choices(model: Any, field: str) -> list[str]:
    try:
        return [c[0] for c in model._meta.get_field(field).choices or []]
    except Exception:
        return []


@contextlib.contextmanager
def _skip_on_database_error(what: str, notes: list[str]) -> Iterator[None]:
    """A model whose table does not match (a migration not written yet) is skipped with a note."""
    from django.db import DatabaseError

    try:
        yield
    except DatabaseError as exc:
        first_line = str(exc).splitlines()[0]
        notes.append(f"{what} 的表与模型不一致，未生成该数据：{first_line}")


# Realistic spread of states (weights); a state the model no longer has is simply ignored.
PARTNER_STATES = {"active": 50, "registered": 25, "admitted": 15, "suspended": 7, "exited": 3}
APPLICATION_STATES = {
    "draft": 8,
    "submitted": 6,
    "returned": 3,
    "initial_rejected": 6,
    "initial_approved": 4,
    "exam_passed": 3,
    "exam_failed": 5,
    "review_scheduled": 2,
    "reviewed": 2,
    "review_absent": 1,
    "accepted": 3,
    "deferred": 2,
    "rejected": 8,
    "preparing": 3,
    "testing": 3,
    "opened": 3,
    "contracted": 30,
    "withdrawn": 8,
}
WORKORDER_STATES = {"closed": 55, "resolved": 15, "in_progress": 18, "open": 12}
# A catalogue in steady state: most products live or retired, a thin pipeline under review.
PRODUCT_STATES = {
    "active": 50,
    "retired": 12,
    "suspended": 5,
    "draft": 10,
    "rejected": 8,
    "submitted": 2,
    "approved": 2,
    "configuring": 6,
    "testing": 5,
}
CHANGE_STATES = {"effective": 55, "rejected": 15, "returned": 10, "approved": 10, "submitted": 10}


def _weighted(rng: random.Random, model: Any, field: str, weights: dict[str, int]) -> Any:
    """A picker over the model's states, weighted like a live system (fallback: uniform)."""
    states = _choices(model, field)
    known = [s for s in states if s in weights]
    if not known:
        return lambda: rng.choice(states)
    w = [weights[s] for s in known]
    return lambda: rng.choices(known, w)[0]


def generate(
    n_partners: int, n_apps: int, n_orders: int, n_products: int, notes: list[str]
) -> dict[str, list[int]]:
    """bulk_create the data set; returns the pks per model key for detail pages."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    from vasops.core import roles
    from vasops.core.models import User

    rng = random.Random(20260105)
    user, _ = User.objects.get_or_create(
        username="bench_staff", defaults={"is_staff": True, "display_name": "基准测试员"}
    )
    user.groups.set(Group.objects.filter(name__in=roles.STAFF_ROLES))
    pks: dict[str, list[int]] = {"partner": [], "application": [], "workorder": [], "product": []}

    Partner = _model("partners", "Partner")
    if Partner is None:
        notes.append("partners.Partner 不存在：未生成合作伙伴，依赖它的数据也跳过。")
        return pks
    with transaction.atomic():
        if Partner.objects.count() < n_partners:
            states = _choices(Partner, "state") or [None]
            pick_state = _weighted(rng, Partner, "state", PARTNER_STATES)
            grades = _choices(Partner, "credit_grade")
            kinds = _choices(Partner, "kind")
            batch = []
            for i in range(n_partners):
                values: dict[str, Any] = {
                    "name": f"基准测试伙伴{i:05d}科技有限公司",
                    "credit_code": f"91420100{i:010d}",
                    "legal_representative": f"法人{i}",
                    "address": f"湖北省武汉市洪山区测试路{i}号",
                    "cs_hotline": f"400{i:07d}",
                }
                if kinds:
                    values["kind"] = kinds[i % len(kinds)]
                if states[0] is not None:
                    values["state"] = pick_state()
                if grades:
                    values["credit_grade"] = rng.choices(grades, [30, 50, 17, 3][: len(grades)])[0]
                batch.append(Partner(**_fill_required(Partner, values, i)))
            Partner.objects.bulk_create(batch, batch_size=2000)
            _partner_satellites(rng, Partner, notes)
    partner_ids = list(Partner.objects.order_by("pk").values_list("pk", flat=True))
    pks["partner"] = partner_ids

    Application = _model("admission", "Application")
    if Application is None:
        notes.append("admission.Application 不存在：未生成准入申请。")
    else:
        with _skip_on_database_error("admission.Application", notes), transaction.atomic():
            if Application.objects.count() < n_apps:
                pick_state = _weighted(rng, Application, "state", APPLICATION_STATES)
                codes = ["SMS", "MMS", "WAP", "IVR", "STREAMING", "KJAVA"]
                line_ids = dict(_model("catalog", "BusinessLine").objects.values_list("code", "pk"))
                lines = [line_ids[c] for c in codes if c in line_ids]
                batch = []
                for i in range(n_apps):
                    values = {
                        "number": f"ZRB{i:08d}",
                        "partner_id": rng.choice(partner_ids),
                        "window_month": dt.date(2025 + (i % 8) // 4, 1 + 3 * (i % 4), 1),
                        "state": pick_state(),
                        "created_by": user,
                    }
                    batch.append(Application(**_fill_required(Application, values, i)))
                Application.objects.bulk_create(batch, batch_size=2000)
                _application_lines(rng, Application, lines)
                _application_products(rng, Application, notes)
            pks["application"] = list(Application.objects.order_by("pk").values_list("pk", flat=True))

    WorkOrder = _model("workorders", "WorkOrder")
    if WorkOrder is None:
        notes.append("workorders.WorkOrder 不存在：未生成工单。")
    else:
        with _skip_on_database_error("workorders.WorkOrder", notes), transaction.atomic():
            if WorkOrder.objects.count() < n_orders:
                now = dt.datetime.now(dt.UTC)
                pick_state = _weighted(rng, WorkOrder, "state", WORKORDER_STATES)
                types = _choices(WorkOrder, "type")
                priorities = _choices(WorkOrder, "priority")
                batch = []
                for i in range(n_orders):
                    values = {
                        "number": f"GDB{i:08d}",
                        "title": f"基准测试工单 {i}：短信网关数据变更",
                        "partner_id": rng.choice(partner_ids),
                        "state": pick_state(),
                        "created_by": user,
                        "due_at": now + dt.timedelta(hours=rng.randint(-200, 400)),
                    }
                    if types:
                        values["type"] = rng.choice(types)
                    if priorities:
                        values["priority"] = rng.choice(priorities)
                    batch.append(WorkOrder(**_fill_required(WorkOrder, values, i)))
                WorkOrder.objects.bulk_create(batch, batch_size=2000)
            pks["workorder"] = list(WorkOrder.objects.order_by("pk").values_list("pk", flat=True))
    Product = _model("catalog", "Product")
    if Product is None:
        notes.append("catalog.Product 不存在：未生成产品。")
    else:
        with _skip_on_database_error("catalog.Product", notes), transaction.atomic():
            if Product.objects.count() < n_products:
                _products(rng, Product, partner_ids, n_products, user.pk, notes)
            pks["product"] = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    with _skip_on_database_error("core.AuditEvent", notes), transaction.atomic():
        _background_history(user.pk)
    return pks


def _products(
    rng: random.Random, Product: Any, partner_ids: list[int], n: int, user_id: int, notes: list[str]
) -> None:
    """Products spread over partners (a few large catalogues, a long tail), business lines and
    states; a product code once approved; one version per product that has been live, a second
    one for about a third of them (a price change), and change requests on ~4 % of live ones."""
    BusinessLine = _model("catalog", "BusinessLine")
    lines = list(BusinessLine.objects.values_list("pk", "service_type", "code"))
    if not lines:
        notes.append("catalog.BusinessLine 为空：未生成产品。")
        return
    pick_state = _weighted(rng, Product, "state", PRODUCT_STATES)
    types = _choices(Product, "product_type")
    modes = _choices(Product, "billing_mode")
    unicom = {
        "approved": "1",
        "configuring": "1",
        "testing": "2",
        "active": "4",
        "suspended": "5",
        "retired": "7",
    }
    coded = {"approved", "configuring", "testing", "active", "suspended", "retired"}
    live = {"active", "suspended", "retired"}
    # a skewed spread: every partner may have products, a fifth of them hold most of the catalogue
    heavy = partner_ids[: max(1, len(partner_ids) // 5)]
    now = dt.datetime.now(dt.UTC)
    batch = []
    for i in range(n):
        line_pk, service_type, code = lines[i % len(lines)]
        state = pick_state()
        created = now - dt.timedelta(days=rng.randint(1, 1500), minutes=rng.randint(0, 1440))
        values = {
            "partner_id": rng.choice(heavy) if rng.random() < 0.7 else rng.choice(partner_ids),
            "business_line_id": line_pk,
            "name": f"基准{code}产品{i:06d}·天气资讯",
            "access_number": f"10655{i:06d}",
            "product_code": f"{service_type}{440001 + i:06d}01" if state in coded else None,
            "description": "基准测试产品描述：每日推送天气与出行提示。",
            "product_type": types[i % len(types)] if types else "",
            "fee_fen": rng.choice([0, 100, 200, 300, 500, 800, 1000, 1500, 2000]),
            "billing_mode": rng.choice(modes) if modes else "",
            "state": state,
            "unicom_status": unicom.get(state, ""),
            "submitted_at": created + dt.timedelta(days=1) if state != "draft" else None,
            "activated_at": created + dt.timedelta(days=20) if state in live else None,
            "created_by_id": user_id,
        }
        batch.append(Product(**_fill_required(Product, values, i)))
    Product.objects.bulk_create(batch, batch_size=2000)

    Version = _model("catalog", "ProductVersion")
    Change = _model("catalog", "ProductChangeRequest")
    versions, changes = [], []
    pick_change = _weighted(rng, Change, "state", CHANGE_STATES) if Change is not None else None
    for p in batch:
        if p.state not in live:
            continue
        start = p.activated_at
        if rng.random() < 0.35:
            switch = start + dt.timedelta(days=rng.randint(30, 400))
            versions.append((p, 1, start, switch, p.fee_fen + 100))
            versions.append((p, 2, switch, None, p.fee_fen))
        else:
            versions.append((p, 1, start, None, p.fee_fen))
        if Change is not None and pick_change is not None and rng.random() < 0.04:
            changes.append(
                Change(
                    **_fill_required(
                        Change,
                        {
                            "product_id": p.pk,
                            "partner_id": p.partner_id,
                            "name": p.name,
                            "description": p.description,
                            "fee_fen": p.fee_fen + 100,
                            "old_name": p.name,
                            "old_description": p.description,
                            "old_fee_fen": p.fee_fen,
                            "billing_mode": p.billing_mode,
                            "effective_on": dt.date(2026, 2, 1),
                            "review_path": "full" if rng.random() < 0.3 else "change",
                            "state": pick_change(),
                            "created_by_id": user_id,
                        },
                        p.pk,
                    )
                )
            )
    if Version is not None:
        with _skip_on_database_error("catalog.ProductVersion", notes):
            Version.objects.bulk_create(
                [
                    Version(
                        product_id=p.pk,
                        number=number,
                        name=p.name,
                        description=p.description,
                        fee_fen=fee,
                        billing_mode=p.billing_mode,
                        valid_from=start,
                        valid_to=end,
                    )
                    for p, number, start, end, fee in versions
                ],
                batch_size=5000,
            )
    if changes:
        with _skip_on_database_error("catalog.ProductChangeRequest", notes):
            Change.objects.bulk_create(changes, batch_size=2000)


def _partner_satellites(rng: random.Random, Partner: Any, notes: list[str]) -> None:
    """Qualifications (current + a superseded one), contacts, a bank account and, for about one
    partner in ten, restrictions — what the partner detail page shows."""
    today = dt.date(2026, 1, 5)
    ids = list(Partner.objects.order_by("pk").values_list("pk", flat=True))
    specs = [
        ("partners", "Qualification", _qualifications),
        ("partners", "Contact", _contacts),
        ("partners", "BankAccount", _bank_accounts),
        ("partners", "Restriction", _restrictions),
    ]
    for app_label, name, build in specs:
        model = _model(app_label, name)
        if model is None:
            notes.append(f"{app_label}.{name} 不存在：未生成。")
            continue
        with _skip_on_database_error(f"{app_label}.{name}", notes), transaction_atomic():
            rows = [model(**_fill_required(model, v, i)) for i, v in enumerate(build(rng, model, ids, today))]
            model.objects.bulk_create(rows, batch_size=2000)


def transaction_atomic() -> Any:
    from django.db import transaction

    return transaction.atomic()


def _qualifications(
    rng: random.Random, model: Any, ids: list[int], today: dt.date
) -> Iterator[dict[str, Any]]:
    kinds = _choices(model, "kind")[:5]
    for pid in ids:
        for j, kind in enumerate(kinds[: rng.randint(2, len(kinds))]):
            until = today + dt.timedelta(days=rng.randint(-60, 900))
            base = {"partner_id": pid, "kind": kind, "number": f"Q{pid}-{j}", "issuer": "湖北省通信管理局"}
            if j == 0:  # a superseded certificate of the same kind
                yield {
                    **base,
                    "valid_from": until - dt.timedelta(days=1500),
                    "valid_until": until - dt.timedelta(days=730),
                    "is_current": False,
                }
            yield {
                **base,
                "valid_from": until - dt.timedelta(days=730),
                "valid_until": until,
                "is_current": True,
            }


def _contacts(rng: random.Random, model: Any, ids: list[int], today: dt.date) -> Iterator[dict[str, Any]]:
    for pid in ids:
        for role in _choices(model, "role"):
            yield {
                "partner_id": pid,
                "role": role,
                "name": f"联系人{pid}",
                "phone": f"139{pid:08d}",
                "email": f"c{pid}-{role}@example.com",
            }


def _bank_accounts(
    rng: random.Random, model: Any, ids: list[int], today: dt.date
) -> Iterator[dict[str, Any]]:
    for pid in ids:
        yield {
            "partner_id": pid,
            "bank_name": "中国工商银行武汉分行",
            "account_name": f"伙伴{pid}",
            "account_number": f"6222{pid:012d}",
            "effective_from": dt.date(2025, 1, 1),
            "is_current": True,
        }


def _restrictions(rng: random.Random, model: Any, ids: list[int], today: dt.date) -> Iterator[dict[str, Any]]:
    kinds = _choices(model, "kind")
    for pid in ids:
        if rng.random() < 0.1:
            for _ in range(rng.randint(1, 3)):
                start = today - dt.timedelta(days=rng.randint(0, 500))
                yield {
                    "partner_id": pid,
                    "kind": rng.choice(kinds),
                    "reason": "基准测试限制",
                    "starts_on": start,
                    "ends_on": start + dt.timedelta(days=rng.choice([90, 180, 365])),
                }


def _application_lines(rng: random.Random, Application: Any, line_ids: list[int]) -> None:
    """One or two catalogue business lines per application (the many-to-many rows)."""
    Through = Application.business_lines.through
    rows = []
    for pk in Application.objects.values_list("pk", flat=True).iterator(chunk_size=5000):
        for line_id in rng.sample(line_ids, rng.randint(1, 2)):
            rows.append(Through(application_id=pk, businessline_id=line_id))
    Through.objects.bulk_create(rows, batch_size=5000)


def _application_products(rng: random.Random, Application: Any, notes: list[str]) -> None:
    Product = _model("admission", "ApplicationProduct")
    if Product is None:
        return
    with _skip_on_database_error("admission.ApplicationProduct", notes):
        rows = []
        through = Application.business_lines.through.objects.order_by("application_id", "businessline_id")
        for pk, line in through.values_list("application_id", "businessline_id").iterator(chunk_size=5000):
            if line is not None:
                values = {
                    "application_id": pk,
                    "business_line_id": line,
                    "name": f"基准产品{pk}",
                    "fee_fen": rng.choice([0, 100, 200, 500, 1000]),
                    "billing_mode": "monthly",
                }
                rows.append(Product(**_fill_required(Product, values, pk)))
        Product.objects.bulk_create(rows, batch_size=5000)


AUDIT_TYPES = {
    "partner": "partners.partner",
    "application": "admission.application",
    "workorder": "workorders.workorder",
    "product": "catalog.product",
}


def _history_sql(object_type: str, table: str, per_object: str, where: str = "TRUE") -> str:
    return f"""
        INSERT INTO core_auditevent (at, actor_id, actor_label, action, object_type, object_id,
                                     partner_id, before, after, reason, ip)
        SELECT now() - (g * interval '7 hours') - mod(o.id, 97) * interval '1 minute', %s, '基准测试员',
               (ARRAY['created', 'updated', 'submitted', 'reviewed', 'changed', 'commented'])[1 + mod(g, 6)],
               '{object_type}', o.id::text, {"o.id" if table == "partners_partner" else "o.partner_id"},
               jsonb_build_object('state', 'draft', 'n', g),
               jsonb_build_object('state', 'submitted', 'n', g + 1),
               CASE WHEN mod(g, 5) = 0 THEN '基准测试原因说明' ELSE '' END, NULL
        FROM {table} o CROSS JOIN LATERAL generate_series(1, {per_object}) AS g
        WHERE {where}
    """


def _background_history(actor_id: int) -> None:
    """Audit events in volume, server-side: ~20 per partner, ~4 per application and work order."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM core_auditevent WHERE actor_label = '基准测试员')")
        if cur.fetchone()[0]:
            return
        for key, table, per in [
            ("partner", "partners_partner", "10 + mod(o.id, 21)"),
            ("application", "admission_application", "2 + mod(o.id, 5)"),
            ("workorder", "workorders_workorder", "2 + mod(o.id, 5)"),
            ("product", "catalog_product", "2 + mod(o.id, 5)"),
        ]:
            cur.execute(_history_sql(AUDIT_TYPES[key], table, per), [actor_id])


def ensure_detail_history(key: str, ids: list[int]) -> None:
    """The objects whose detail pages are measured get a few dozen events each (30–60)."""
    from django.db import connection

    from vasops.core.models import User

    table = {
        "partner": "partners_partner",
        "application": "admission_application",
        "workorder": "workorders_workorder",
        "product": "catalog_product",
    }[key]
    actor = User.objects.get(username="bench_staff").pk
    with connection.cursor() as cur:
        cur.execute(
            "SELECT object_id FROM core_auditevent WHERE object_type = %s AND object_id = ANY(%s)"
            " GROUP BY object_id HAVING count(*) >= 30",
            [AUDIT_TYPES[key], [str(i) for i in ids]],
        )
        done = {int(r[0]) for r in cur.fetchall()}
        todo = [i for i in ids if i not in done]
        if todo:
            cur.execute(
                _history_sql(AUDIT_TYPES[key], table, "30 + mod(o.id, 31)", "o.id = ANY(%s)"), [actor, todo]
            )


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def measure(client: Any, urls: list[str], n: int, warmup: int) -> dict[str, Any]:
    from django.db import connection

    for i in range(warmup):
        client.get(urls[i % len(urls)])
    executed: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        first = client.get(urls[0])
    samples = []
    errors = 0
    statuses: dict[int, int] = {}
    for i in range(n):
        url = urls[i % len(urls)]
        start = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        else:
            _ = response.content
        samples.append((time.perf_counter() - start) * 1000)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code != 200:
            errors += 1
    return {
        "requests": n,
        "p50_ms": round(percentile(samples, 50), 2),
        "p95_ms": round(percentile(samples, 95), 2),
        "p99_ms": round(percentile(samples, 99), 2),
        "mean_ms": round(statistics.fmean(samples), 2),
        "queries": len(executed),
        "status": statuses,
        "errors": errors,
        "first_status": first.status_code,
        "bytes": len(first.content) if not hasattr(first, "streaming_content") else None,
    }


def machine() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import django

    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg,
    }


def main() -> int:
    args = parse_args()
    n_partners, n_apps, n_orders, n_products = SIZES[args.size]
    n_partners = args.partners if args.partners is not None else n_partners
    n_apps = args.applications if args.applications is not None else n_apps
    n_orders = args.workorders if args.workorders is not None else n_orders
    n_products = args.products if args.products is not None else n_products

    url = prepare_database(args)
    setup_django(url)
    from django.core.management import call_command
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from vasops.core.models import User

    notes = ["两步验证在基准中关闭（VASOPS_STAFF_2FA=0）：测量的是页面本身，不含 TOTP 校验。"]
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    t_migrate = time.perf_counter() - t0
    t0 = time.perf_counter()
    pks = generate(n_partners, n_apps, n_orders, n_products, notes)
    t_generate = time.perf_counter() - t0
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    counts = {k: len(v) for k, v in pks.items()}
    print(
        f"数据集（{args.size}）：合作伙伴 {counts['partner']}，准入申请 {counts['application']}，"
        f"工单 {counts['workorder']}，产品 {counts['product']}；迁移 {t_migrate:.1f}s，生成 {t_generate:.1f}s"
    )
    for note in notes:
        print(f"注：{note}")

    client = Client(raise_request_exception=False)  # a broken page is reported, not fatal
    client.force_login(User.objects.get(username="bench_staff"))
    rng = random.Random(7)

    results: dict[str, Any] = {}
    load_start = _loadavg()
    bare = measure(client, ["/__bench__/bare/"], args.requests, args.warmup)
    results["bare"] = {"label": "裸 Django 视图", "url_name": "bench_bare", **bare}
    skipped: list[dict[str, str]] = []
    for label, name, kind in PAGES:
        try:
            if kind == "list":
                urls = [reverse(name)]
            else:
                ids = pks.get(kind.split(":", 1)[1]) or []
                if not ids:
                    skipped.append({"url_name": name, "reason": "没有可用的对象"})
                    continue
                sample = rng.sample(ids, min(50, len(ids)))
                with contextlib.suppress(Exception):
                    ensure_detail_history(kind.split(":", 1)[1], sample)
                urls = [reverse(name, args=[pk]) for pk in sample]
        except NoReverseMatch:
            skipped.append({"url_name": name, "reason": "URL 名称无法解析（页面尚未实现）"})
            continue
        stats = measure(client, urls, args.requests, args.warmup)
        stats["ratio_to_bare"] = round(stats["p95_ms"] / max(bare["p95_ms"], 0.001), 1)
        stats["pass"] = stats["errors"] == 0 and stats["p95_ms"] <= P95_BUDGET_MS
        results[name] = {"label": label, "url_name": name, "url": urls[0], **stats}

    print(f"\n{'页面':<28}{'p50':>9}{'p95':>9}{'p99':>9}  {'查询':>4}  {'对裸视图(p95)':>12}  结果")
    for key, r in results.items():
        verdict = "" if key == "bare" else ("PASS" if r["pass"] else "FAIL")
        if key != "bare" and r["errors"]:
            verdict += f"（{r['errors']} 个非 200 响应：{r['status']}）"
        ratio = "1.0×" if key == "bare" else f"{r['ratio_to_bare']}×"
        print(
            f"{r['label'] + ' ' + r['url_name']:<28}{r['p50_ms']:>8.1f}ms{r['p95_ms']:>7.1f}ms"
            f"{r['p99_ms']:>7.1f}ms  {r['queries']:>4}  {ratio:>12}  {verdict}"
        )
    for s in skipped:
        print(f"SKIPPED {s['url_name']}：{s['reason']}")
    measured = [r for k, r in results.items() if k != "bare"]
    ok = bool(measured) and all(r["pass"] for r in measured)
    errored = [r["url_name"] for r in measured if r["errors"]]
    enforce = args.size != "tiny"
    print(f"\n预算：每个页面 p95 ≤ {P95_BUDGET_MS:.0f} ms → {'PASS' if ok else 'FAIL'}")
    if not enforce:
        print("（tiny 规模为 CI 冒烟测试：延迟超预算只报告不失败；页面出错才失败。）")
    load_end = _loadavg()
    print(f"负载（1 分钟平均）：开始 {load_start}，结束 {load_end}；CPU {os.cpu_count()} 核")

    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "benchmark": "console",
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "size": args.size,
                "dataset": counts,
                "requests_per_page": args.requests,
                "budget_p95_ms": P95_BUDGET_MS,
                "staff_2fa": False,
                "machine": machine(),
                "timings_s": {"migrate": round(t_migrate, 1), "generate": round(t_generate, 1)},
                "pages": results,
                "skipped": skipped,
                "notes": notes,
                "loadavg_1m": {"start": load_start, "end": load_end},
                "budget_enforced": enforce,
                "pass": ok,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"结果已写入 {out}")
    if errored or not measured:
        return 1
    return 0 if ok or not enforce else 1


def _loadavg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
