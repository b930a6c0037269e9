from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class RisksAppConfig(AppConfig):
    name = "risks_app"
    label = "risks_app"
    verbose_name = _("Risks")

    def ready(self):
        from cases.case_links import CaseLink, register_case_link
        from cases.case_tabs import RISKS
        from cases.visibility import register_visibility
        from collab_portal.activity.verbs import register_verbs
        from collab_portal.reminders.registry import register_rule
        from risks_app.activity_verbs import VERBS
        from risks_app.inbox import register as register_inbox
        from risks_app.policies import may_raise_on
        from risks_app.reminder_rules import RULES
        from risks_app.selectors import case_visibility
        from risks_app.weekly_facts import WEEKLY_RISKS
        from tasks_app.task_links import TaskLink, register_task_link
        from tasks_app.weekly_facts import register_weekly_facts

        def raise_url(task):
            return reverse("risks_app:risk_create", args=[task.request.code]) + f"?task={task.pk}"

        # 登记风险 on every open task's page, from its blocker when it is blocked.
        register_task_link(
            TaskLink(
                _("Raise a risk from this blocker"),
                "ti-alert-triangle",
                url_for=raise_url,
                shown_when=lambda task, user: task.status == "blocked" and may_raise_on(task),
            )
        )
        register_task_link(
            TaskLink(
                _("Raise a risk"),
                "ti-alert-triangle",
                url_for=raise_url,
                shown_when=lambda task, user: task.status != "blocked" and may_raise_on(task),
            )
        )
        register_verbs(VERBS)
        register_visibility(case_visibility)  # who sees a case through its risks
        register_inbox()  # the inbox's tabs: risks_app/inbox.py
        for rule in RULES:
            register_rule(rule)
        register_weekly_facts(WEEKLY_RISKS)  # the 周报's risk section
        register_case_link(
            CaseLink(
                _("Risk register"),
                "risks_app:case_register",
                "ti-alert-triangle",
                ("executing", "accepting", "retrospective", "archived"),
                tab=RISKS,
            )
        )
