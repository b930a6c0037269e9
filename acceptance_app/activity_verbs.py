from django.utils.translation import gettext_lazy as _

VERBS = {
    "delivery_item_add": _("added an item to the delivery list"),
    "delivery_item_remove": _("removed an item from the delivery list"),
    "delivery_new_version": _("started a new version of the delivery list"),
    "delivery_submit": _("submitted the delivery for acceptance"),
    "delivery_withdraw": _("withdrew the delivery"),
    "delivery_urge": _("urged the acceptance"),
    "delivery_link": _("sent the acceptance link"),
    "delivery_accept": _("accepted the delivery"),
    "delivery_reject": _("sent the delivery back for rework"),
    "task_rework": _("reopened a task for rework"),
    "retrospective_save": _("wrote the retrospective"),
    "retrospective_rate": _("rated the collaboration"),
    "case_archive": _("filed the retrospective and archived the request"),
}
