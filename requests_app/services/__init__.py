"""Every write on a case in stages 1–2. Each service checks who may act (``policies``), locks the
case row, runs the transition, writes the timeline and queues notifications after commit.

By topic: ``registration`` (the form, its attachments, cancelling), ``review`` (submit, approve
or return, hand over, urge, copy in), ``sync`` (the information sync and the kickoff meeting),
``plan`` (the collaboration plan and its co-signature) and ``external`` (the one-time links for
outside parties); ``shared_rules`` holds what they share. Callers use the names below:
``from requests_app import services; services.request_submit(...)``.
"""

from requests_app.services.external import (
    case_link_email,
    case_link_revoke,
    plan_external_decide,
    plan_external_link_create,
)
from requests_app.services.plan import (
    PlanData,
    plan_new_version,
    plan_propose,
    plan_request_revision,
    plan_save,
    plan_sign,
    plan_urge,
)
from requests_app.services.registration import (
    RegistrationData,
    attachment_delete,
    request_cancel,
    request_create,
    request_save_and_submit,
    request_update,
)
from requests_app.services.review import (
    request_approve,
    request_copy_in,
    request_hand_over,
    request_return,
    request_submit,
    request_urge,
    request_withdraw,
)
from requests_app.services.sync import (
    kickoff_record,
    request_finish_sync,
    sync_acknowledge,
    sync_record_add,
)

__all__ = [
    "PlanData",
    "RegistrationData",
    "attachment_delete",
    "case_link_email",
    "case_link_revoke",
    "kickoff_record",
    "plan_external_decide",
    "plan_external_link_create",
    "plan_new_version",
    "plan_propose",
    "plan_request_revision",
    "plan_save",
    "plan_sign",
    "plan_urge",
    "request_approve",
    "request_cancel",
    "request_copy_in",
    "request_create",
    "request_finish_sync",
    "request_hand_over",
    "request_return",
    "request_save_and_submit",
    "request_submit",
    "request_update",
    "request_urge",
    "request_withdraw",
    "sync_acknowledge",
    "sync_record_add",
]
