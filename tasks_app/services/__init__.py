"""Every write of stages 3–4, by topic: the breakdown (``wbs``), the tasks' life (``status``), the
weekly summaries (``weekly``) and the WBS templates with the Excel import (``templates``).

``from tasks_app import services; services.task_start(...)`` reaches each of them; who may call
them when is answered in ``tasks_app.policies``."""

from tasks_app.services.status import (
    progress_save,
    task_change_due,
    task_complete,
    task_report_block,
    task_report_delay,
    task_resume,
    task_start,
    task_urge,
)
from tasks_app.services.templates import (
    wbs_import_upload,
    wbs_import_xlsx,
    wbs_template_apply,
    wbs_template_delete,
    wbs_template_save,
)
from tasks_app.services.wbs import (
    TaskData,
    renumber,
    wbs_publish,
    wbs_task_add,
    wbs_task_delete,
    wbs_task_indent,
    wbs_task_move,
    wbs_task_outdent,
    wbs_task_shift,
    wbs_task_update,
)
from tasks_app.services.weekly import (
    COMMENTS_MAX_LENGTH,
    GenerateResult,
    weekly_summary_draft,
    weekly_summary_generate,
    weekly_summary_publish,
    weekly_summary_update,
)

__all__ = [
    "COMMENTS_MAX_LENGTH",
    "GenerateResult",
    "TaskData",
    "progress_save",
    "renumber",
    "task_change_due",
    "task_complete",
    "task_report_block",
    "task_report_delay",
    "task_resume",
    "task_start",
    "task_urge",
    "wbs_import_upload",
    "wbs_import_xlsx",
    "wbs_publish",
    "wbs_task_add",
    "wbs_task_delete",
    "wbs_task_indent",
    "wbs_task_move",
    "wbs_task_outdent",
    "wbs_task_shift",
    "wbs_task_update",
    "wbs_template_apply",
    "wbs_template_delete",
    "wbs_template_save",
    "weekly_summary_draft",
    "weekly_summary_generate",
    "weekly_summary_publish",
    "weekly_summary_update",
]
