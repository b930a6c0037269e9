"""The task pages hang under the case (/requests/<code>/…) and under /tasks/ for a person."""

from tasks_app import views_tasks, views_templates, views_tracking, views_wbs, views_weekly

app_name = "tasks_app"
urlpatterns = [
    *views_wbs.urlpatterns,
    *views_tasks.urlpatterns,
    *views_templates.urlpatterns,
    *views_tracking.urlpatterns,
    *views_weekly.urlpatterns,
]
