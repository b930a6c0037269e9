from django.utils.translation import gettext_lazy as _

VERBS = {
    "wbs_publish": _("published the task breakdown"),
    "wbs_template": _("started the task breakdown from a template"),
    "wbs_import": _("imported the task breakdown from Excel"),
    "task_start": _("started a task"),
    "task_done": _("finished a task"),
    "task_delay": _("reported a delay"),
    "task_block": _("reported a blocker"),
    "task_resume": _("resumed a task"),
    "task_due_change": _("changed a due date"),
    "task_urge": _("urged an overdue task"),
    "weekly_publish": _("published the weekly summary"),
}
