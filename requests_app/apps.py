from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    label = "requests_app"
    verbose_name = _("Collaboration requests")

    def ready(self):
        from cases.selectors import register_case_prefetch
        from cases.visibility import register_visibility
        from collab_portal.activity.verbs import register_verbs
        from requests_app.activity_verbs import VERBS
        from requests_app.inbox import register as register_inbox
        from requests_app.one_time_links import register_link_kind
        from requests_app.selectors import case_visibility, receivers_read_with_the_case
        from requests_app.services.external import PLAN_LINKS

        register_verbs(VERBS)
        register_visibility(case_visibility)  # who sees a case through stages 1–2
        register_case_prefetch(receivers_read_with_the_case)
        register_inbox()  # the inbox's tabs: requests_app/inbox.py
        register_link_kind(PLAN_LINKS)  # the plan's links on the case page
        import requests_app.reminder_rules  # noqa: F401  (registers the waiting rules)
