"""The task pages hang under the case (/requests/<code>/…) and under /tasks/ for a person."""

from tasks_app.views import tasks, templates, tracking, wbs, weekly

app_name = "tasks_app"
urlpatterns = [
    *wbs.urlpatterns,
    *tasks.urlpatterns,
    *templates.urlpatterns,
    *tracking.urlpatterns,
    *weekly.urlpatterns,
]
