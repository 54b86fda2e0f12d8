"""The only code that changes the partner registry, one module per subject (Zulip's
``zerver/actions/<subject>.py``): registration, company data (profile, hotline, contacts, bank
account), qualifications, lifecycle (admission, activation, suspension), restrictions and
basic-info change requests. Each function is one business act: it checks permission and rules,
changes rows, writes the audit row and notifies (email on commit). Callers import from
``vasops.partners.actions``; this module re-exports every act."""

from __future__ import annotations

from vasops.partners.actions.changes import (
    CHANGE_FIELDS,
    REVIEW_PERM,
    apply_due_bank_changes,
    approve_change_request,
    reject_change_request,
    return_change_request,
    second_approve_change_request,
    submit_change_request,
)
from vasops.partners.actions.common import PARTNER_FIELDS
from vasops.partners.actions.company import (
    BANK_FIELDS,
    CONTACT_FIELDS,
    PROFILE_FIELDS,
    set_bank_account,
    set_contact,
    set_hotline,
    update_profile,
)
from vasops.partners.actions.lifecycle import (
    activate_partner,
    exit_partner,
    record_admission,
    resume_partner,
    set_credit_grade,
    suspend_partner,
)
from vasops.partners.actions.qualifications import remind_qualification_expiry, upload_qualification
from vasops.partners.actions.registration import add_partner_user, register_partner
from vasops.partners.actions.restrictions import (
    RESTRICTION_FIELDS,
    add_restriction,
    impose_restriction,
    lift_restriction,
    renew_restriction,
)

__all__ = [
    "BANK_FIELDS",
    "CHANGE_FIELDS",
    "CONTACT_FIELDS",
    "PARTNER_FIELDS",
    "PROFILE_FIELDS",
    "RESTRICTION_FIELDS",
    "REVIEW_PERM",
    "activate_partner",
    "add_partner_user",
    "add_restriction",
    "apply_due_bank_changes",
    "approve_change_request",
    "exit_partner",
    "impose_restriction",
    "lift_restriction",
    "record_admission",
    "register_partner",
    "reject_change_request",
    "remind_qualification_expiry",
    "renew_restriction",
    "resume_partner",
    "return_change_request",
    "second_approve_change_request",
    "set_bank_account",
    "set_contact",
    "set_credit_grade",
    "set_hotline",
    "submit_change_request",
    "suspend_partner",
    "update_profile",
    "upload_qualification",
]
