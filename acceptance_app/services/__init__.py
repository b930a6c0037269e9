"""Writes of stages 5–6: assemble and submit the delivery list (验收申请), accept it or send it
back for rework — in the portal or through the customer's link — write and file the
retrospective, which archives the case.

Every service locks the case row first, then its own row, so two people acting on one delivery
at once are serialised: the second one finds the new state and is told (``guards``). Who may do
what is ``acceptance_app.policies``.
"""

from acceptance_app.services.acceptance import Satisfaction, Verdict, acceptance_decide
from acceptance_app.services.archive import retrospective_file
from acceptance_app.services.customer_links import (
    ACCEPTANCE_LINK_PURPOSE,
    ACCEPTANCE_LINKS,
    acceptance_external_decide,
    acceptance_link_create,
)
from acceptance_app.services.delivery import (
    MAX_FILES_PER_ITEM,
    MAX_ITEMS,
    ItemData,
    delivery_file_remove,
    delivery_item_add,
    delivery_item_remove,
    delivery_item_update,
    delivery_new_version,
)
from acceptance_app.services.retrospective import WriteUp, rating_save, retrospective_save
from acceptance_app.services.submission import delivery_submit, delivery_urge, delivery_withdraw

__all__ = [
    "ACCEPTANCE_LINKS",
    "ACCEPTANCE_LINK_PURPOSE",
    "MAX_FILES_PER_ITEM",
    "MAX_ITEMS",
    "ItemData",
    "Satisfaction",
    "Verdict",
    "WriteUp",
    "acceptance_decide",
    "acceptance_external_decide",
    "acceptance_link_create",
    "delivery_file_remove",
    "delivery_item_add",
    "delivery_item_remove",
    "delivery_item_update",
    "delivery_new_version",
    "delivery_submit",
    "delivery_urge",
    "delivery_withdraw",
    "rating_save",
    "retrospective_file",
    "retrospective_save",
]
