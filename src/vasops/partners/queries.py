"""Read side of the partner registry. Everything a partner user can reach is scoped to their
own partner; another partner's object is simply not there (404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext

from vasops.core import roles
from vasops.core.models import Document, User
from vasops.partners import rules
from vasops.partners.models import (
    Contact,
    Partner,
    Qualification,
    QualificationKind,
    Restriction,
)

KIND_LABELS: dict[str, Any] = {str(k): label for k, label in QualificationKind.choices}  # lazy labels


def partner_of(user: Any) -> Partner | None:
    """The partner ``user`` belongs to (membership), or None for staff, experts, anonymous."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = getattr(user, "partner_membership", None)
    if membership is None:
        return None
    return membership.partner  # type: ignore[no-any-return]


def is_partner_admin(user: Any, partner: Partner) -> bool:
    membership = (
        getattr(user, "partner_membership", None) if getattr(user, "is_authenticated", False) else None
    )
    return bool(membership is not None and membership.partner_id == partner.pk and membership.is_admin)


def visible_partners(user: Any) -> QuerySet[Partner]:
    """Staff holding partners.view_partner: all; a partner user: only their own; others: none."""
    if not getattr(user, "is_authenticated", False):
        return Partner.objects.none()
    if user.has_perm("partners.view_partner"):
        return Partner.objects.all()
    partner = partner_of(user)
    if partner is None:
        return Partner.objects.none()
    return Partner.objects.filter(pk=partner.pk)


def partner_for_detail(user: Any, pk: Any) -> Partner | None:
    """A visible partner with what its detail page reads prefetched (restrictions with their
    users, every qualification with its scan, contacts): one query each instead of one per
    helper that reads them."""
    return (
        visible_partners(user)
        .filter(pk=pk)
        .prefetch_related(
            Prefetch("restrictions", queryset=Restriction.objects.select_related("created_by", "lifted_by")),
            Prefetch(
                "qualifications",
                queryset=Qualification.objects.select_related("document").order_by("kind", "-created_at"),
            ),
            "contacts",
        )
        .first()
    )


def _current(partner: Partner) -> list[Qualification]:
    """Current qualifications, from the prefetched ones when the caller prefetched them."""
    if "qualifications" in getattr(partner, "_prefetched_objects_cache", {}):
        return [q for q in partner.qualifications.all() if q.is_current]
    return list(current_qualifications(partner))


def visible_qualifications(user: Any) -> QuerySet[Qualification]:
    return Qualification.objects.filter(partner__in=visible_partners(user)).select_related(
        "partner", "document"
    )


def visible_restrictions(user: Any) -> QuerySet[Restriction]:
    return Restriction.objects.filter(partner__in=visible_partners(user)).select_related(
        "partner", "created_by", "lifted_by"
    )


def partner_users(partner: Partner) -> QuerySet[User]:
    """Active users bound to ``partner`` (recipients of its notifications)."""
    model: Any = get_user_model()
    return model.objects.filter(partner_membership__partner=partner, is_active=True).order_by("pk")  # type: ignore[no-any-return]


def product_staff_users() -> QuerySet[User]:
    model: Any = get_user_model()
    return model.objects.filter(groups__name=roles.PRODUCT_STAFF, is_active=True).distinct()  # type: ignore[no-any-return]


def partner_documents(partner: Partner) -> QuerySet[Document]:
    return Document.objects.filter(partner_id=partner.pk).order_by("-uploaded_at")


def current_qualifications(partner: Partner) -> QuerySet[Qualification]:
    return partner.qualifications.filter(is_current=True).select_related("document")


def qualification_facts(partner: Partner) -> list[rules.QualificationFact]:
    return [
        rules.QualificationFact(q.kind, q.valid_until, q.annual_inspection_date) for q in _current(partner)
    ]


def restriction_facts(partner: Partner) -> list[rules.RestrictionFact]:
    return [
        rules.RestrictionFact(
            kind=r.kind,
            starts_on=r.starts_on,
            ends_on=r.ends_on,
            lifted=r.lifted_at is not None,
            business_line=r.business_line,
            reason=r.reason_text,
        )
        for r in partner.restrictions.all()
    ]


def in_force(qs: QuerySet[Restriction], on: dt.date) -> QuerySet[Restriction]:
    """The restrictions of ``qs`` in force on ``on``: the database form of ``rules.is_in_force``
    (not lifted, started, not ended — the end date inclusive). Every list of restrictions in
    force reads it here."""
    return qs.filter(lifted_at__isnull=True, starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )


def restrictions_in_force(partner: Partner, on: dt.date) -> list[Restriction]:
    """``in_force`` over a partner's restrictions as already read (prefetched on its page)."""
    return [
        r
        for r in partner.restrictions.all()
        if rules.is_in_force(
            rules.RestrictionFact(r.kind, r.starts_on, r.ends_on, lifted=r.lifted_at is not None), on
        )
    ]


def assigned_numbers(field: str) -> set[str]:
    """The enterprise codes (``field="enterprise_code"``) or service access numbers
    (``"service_access_number"``) already recorded on a partner."""
    if field not in ("enterprise_code", "service_access_number"):
        raise ValueError(field)
    used = Partner.objects.exclude(**{f"{field}__isnull": True}).values_list(field, flat=True)
    return {str(x) for x in used if x}


def eligibility_problems(
    partner: Partner, on: dt.date, business_lines: list[str] | None = None
) -> list[rules.Problem]:
    """Why ``partner`` may not apply on ``on``: missing or expired required qualifications, then
    every restriction in force (credit grade 不合格 included). Empty list = eligible."""
    problems = rules.qualification_problems(
        partner.kind, partner.locality, qualification_facts(partner), on, KIND_LABELS
    )
    problems += rules.restriction_problems(
        restriction_facts(partner),
        on,
        credit_grade=partner.credit_grade,
        business_lines=business_lines,
    )
    return problems


def contract_data_problems(partner: Partner) -> list[rules.Problem]:
    """What ``partner`` still lacks on file before a contract is signed (contacts, a current bank
    account in the company's name); empty = ready."""
    account = partner.bank_accounts.filter(is_current=True).first()
    return rules.contract_data_problems(
        set(partner.contacts.values_list("role", flat=True)),
        {str(k): str(v) for k, v in Contact.Role.choices},
        account.account_name if account is not None else None,
        partner.name,
    )


@dataclass(frozen=True)
class ChecklistRow:
    kind: str
    label: str
    qualification: Qualification | None
    status: str  # missing / valid / expiring / expired
    days_left: int | None

    @property
    def text(self) -> str:
        q = self.qualification
        if self.status == "missing":
            return gettext("缺少")
        if self.status == "expired":
            return gettext("已过期（有效期至 %(date)s）") % {"date": q.valid_until if q else ""}
        if self.status == "expiring":
            return gettext("%(days)s 天后到期（有效期至 %(date)s）") % {
                "days": self.days_left,
                "date": q.valid_until if q else "",
            }
        if q is not None and q.valid_until is None:
            return gettext("长期有效")
        return gettext("有效期至 %(date)s") % {"date": q.valid_until if q else ""}

    @property
    def family(self) -> str:
        return {"missing": "refused", "expired": "refused", "expiring": "action"}.get(self.status, "done")


def qualification_checklist(partner: Partner, on: dt.date) -> list[ChecklistRow]:
    """The required certificates of this partner's kind and locality with their status on ``on``."""
    held = {q.kind: q for q in _current(partner)}
    rows = []
    for kind in rules.required_qualifications(partner.kind, partner.locality):
        q = held.get(kind)
        st = rules.qualification_status(q is not None, q.valid_until if q else None, on)
        rows.append(ChecklistRow(kind, KIND_LABELS.get(kind, kind), q, st.status, st.days_left))
    return rows
