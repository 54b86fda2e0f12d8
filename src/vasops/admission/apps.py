from django.apps import AppConfig


class AdmissionConfig(AppConfig):
    name = "vasops.admission"
    label = "admission"
    verbose_name = "准入"

    def ready(self) -> None:
        from vasops.admission import rules
        from vasops.core import documents, ui

        ui.register_states(rules.STATE_FAMILIES)
        documents.register_access_rule(_partner_reads_own_admission_documents)


def _partner_reads_own_admission_documents(user: object, doc: object) -> bool:
    """Partner users may download the documents stored for their own partner's admission."""
    from vasops.partners import queries as partner_queries

    partner = partner_queries.partner_of(user)
    kind = str(getattr(doc, "kind", ""))
    return (
        partner is not None
        and kind.startswith("admission.")
        and getattr(doc, "partner_id", None) == partner.pk
    )
