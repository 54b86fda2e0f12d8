"""Every read of reconciliation a page or route makes, scoped: staff holding the view permission
see all partners; a partner user sees only their own partner's (another's is a 404)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from vasops.catalog.models import Product
from vasops.core import audit, roles
from vasops.core.models import Deadline
from vasops.partners.queries import partner_of
from vasops.settlement.reconciliation.models import Dispute, Reconciliation, ReconciliationLine

VIEW = "settlement.view_reconciliation"
VIEW_DISPUTES = "settlement.view_dispute"
DECIDE = "settlement.decide_dispute"
DEADLINE_KIND = "reconciliation_dispute"


def is_staff_viewer(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(VIEW))


def can_decide(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(DECIDE))


def visible_reconciliations(user: Any) -> QuerySet[Reconciliation]:
    qs = Reconciliation.objects.select_related("partner", "created_by")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    partner = partner_of(user)
    if partner is not None:
        return qs.filter(partner=partner)
    if user.has_perm(VIEW):
        return qs
    return qs.none()


def visible_disputes(user: Any) -> QuerySet[Dispute]:
    qs = Dispute.objects.select_related(
        "partner", "reconciliation", "line", "line__product", "raised_by", "decided_by"
    )
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    partner = partner_of(user)
    if partner is not None:
        return qs.filter(partner=partner)
    if user.has_perm(VIEW_DISPUTES):
        return qs
    return qs.none()


def get_reconciliation(user: Any, pk: int) -> Reconciliation | None:
    return visible_reconciliations(user).filter(pk=pk).first()


def get_dispute(user: Any, pk: int) -> Dispute | None:
    return visible_disputes(user).filter(pk=pk).first()


def lines_of(rec: Reconciliation, status: str = "") -> QuerySet[ReconciliationLine]:
    qs = rec.lines.select_related("product")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("day", "product_code", "product_id")


def line_of(rec: Reconciliation, line_id: int) -> ReconciliationLine | None:
    return rec.lines.select_related("product").filter(pk=line_id).first()


def own_products(partner: Any) -> dict[str, int]:
    """The partner's product codes → product ids (what its files may name)."""
    rows = Product.objects.filter(partner=partner, product_code__isnull=False).values_list(
        "product_code", "id"
    )
    return {code: pk for code, pk in rows if code}


def known_codes() -> set[str]:
    codes = Product.objects.filter(product_code__isnull=False).values_list("product_code", flat=True)
    return {code for code in codes if code}


def product_codes(ids: set[int]) -> dict[int, str]:
    return {
        pk: code or "" for pk, code in Product.objects.filter(pk__in=ids).values_list("id", "product_code")
    }


def role_users(role: str) -> QuerySet[Any]:
    model: Any = get_user_model()
    return model.objects.filter(groups__name=role, is_active=True).distinct()  # type: ignore[no-any-return]


def finance_users() -> QuerySet[Any]:
    return role_users(roles.FINANCE)


def department_heads() -> QuerySet[Any]:
    return role_users(roles.DEPARTMENT_HEAD)


def open_deadline(dispute: Dispute) -> Deadline | None:
    return Deadline.objects.filter(
        object_type=audit.object_type_of(dispute),
        object_id=str(dispute.pk),
        kind=DEADLINE_KIND,
        state=Deadline.State.OPEN,
    ).first()


def overdue_dispute_ids(now: Any) -> list[int]:
    """Disputes whose decision deadline has passed and that were not escalated yet."""
    ids = Deadline.objects.filter(
        kind=DEADLINE_KIND, state=Deadline.State.OPEN, due_at__lt=now, object_type="settlement.dispute"
    ).values_list("object_id", flat=True)
    return [int(i) for i in ids]


def pending_disputes(rec: Reconciliation) -> QuerySet[Dispute]:
    return rec.disputes.filter(state=Dispute.State.PENDING)


def disputes_by_line(rec: Reconciliation) -> dict[int, list[Dispute]]:
    found: dict[int, list[Dispute]] = {}
    for d in rec.disputes.order_by("raised_at", "id"):
        found.setdefault(d.line_id, []).append(d)
    return found
