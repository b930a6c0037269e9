from django.utils.translation import gettext_lazy as _

from cases.case_links import CaseLink
from cases.case_tabs import TASKS

AFTER_BREAKDOWN = ("breakdown", "executing", "accepting", "retrospective", "archived")
AFTER_PUBLISH = ("executing", "accepting", "retrospective", "archived")

CASE_LINKS = [
    CaseLink(_("Task breakdown (WBS)"), "tasks_app:wbs", "ti-sitemap", AFTER_BREAKDOWN, TASKS),
    CaseLink(_("Tracking table"), "tasks_app:tracking", "ti-table", AFTER_PUBLISH, TASKS),
    CaseLink(_("Gantt chart"), "tasks_app:gantt", "ti-timeline", AFTER_PUBLISH, TASKS),
    CaseLink(_("Weekly summaries"), "tasks_app:weekly_list", "ti-report", AFTER_PUBLISH, TASKS),
]
