"""SMS self-service over SGIP 1.2 (SGIP.md): the double-confirmation SMS (二次确认) and the user's
reply, the ``0000`` list and ``TD<n>`` / ``00000`` unsubscriptions.

Submodules: ``texts`` (the words, pure; the gateway uses it), ``outbox`` (queue and send through
the SMS gateway, retried while it is down), ``replies`` (what a user's MO does), ``server`` (the
SGIP server the SMS gateway delivers MOs and reports to). Nothing is imported here, so the
gateway can read ``texts`` without Django."""
