from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksAppConfig(AppConfig):
    name = "tasks_app"
    label = "tasks_app"
    verbose_name = _("Tasks")

    def ready(self):
        from cases.case_links import register_case_link
        from cases.visibility import register_visibility
        from collab_portal.activity.verbs import register_verbs
        from collab_portal.reminders.registry import register_rule
        from tasks_app.activity_verbs import VERBS
        from tasks_app.case_links import CASE_LINKS
        from tasks_app.inbox import register as register_inbox
        from tasks_app.reminder_rules import RULES
        from tasks_app.selectors import case_visibility

        register_verbs(VERBS)
        register_visibility(case_visibility)  # who sees a case through its tasks
        register_inbox()  # the inbox's tabs: tasks_app/inbox.py
        for link in CASE_LINKS:
            register_case_link(link)
        for rule in RULES:
            register_rule(rule)
        import tasks_app.weekly_reminders  # noqa: F401  (registers the weekly summary rule)
