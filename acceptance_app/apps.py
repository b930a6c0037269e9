from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcceptanceAppConfig(AppConfig):
    name = "acceptance_app"
    label = "acceptance_app"
    verbose_name = _("Delivery, acceptance and retrospective")

    def ready(self):
        from acceptance_app.activity_verbs import VERBS
        from acceptance_app.inbox import register as register_inbox
        from acceptance_app.services import ACCEPTANCE_LINKS
        from cases.case_links import CaseLink, register_case_link
        from cases.case_tabs import DELIVERY
        from collab_portal.activity.verbs import register_verbs
        from requests_app.one_time_links import register_link_kind

        register_verbs(VERBS)
        register_inbox()  # the inbox's tabs: acceptance_app/inbox.py
        register_link_kind(ACCEPTANCE_LINKS)  # the acceptance links on the case page
        register_case_link(
            CaseLink(
                _("Delivery and acceptance"),
                "acceptance_app:overview",
                "ti-package",
                ("executing", "accepting", "retrospective", "archived"),
                tab=DELIVERY,
            )
        )
        register_case_link(
            CaseLink(
                _("Retrospective"),
                "acceptance_app:retrospective",
                "ti-report-analytics",
                ("retrospective", "archived"),
                tab=DELIVERY,
            )
        )
        import acceptance_app.reminder_rules  # noqa: F401  (registers the waiting rule)
