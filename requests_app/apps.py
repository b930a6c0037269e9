from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    label = "requests_app"
    verbose_name = _("Collaboration requests")

    def ready(self):
        from collab_portal.activity.verbs import register_verbs
        from collab_portal.dashboard.inbox import register_waiting_source
        from requests_app.activity_verbs import VERBS
        from requests_app.inbox import register as register_inbox
        from requests_app.selectors import waiting_items_for

        register_verbs(VERBS)
        register_waiting_source(waiting_items_for)
        register_inbox()  # the inbox's tabs: requests_app/inbox.py
        import requests_app.reminder_rules  # noqa: F401  (registers the waiting rules)
