from django.urls import path

from insights_app import views

app_name = "insights"
urlpatterns = [
    path("", views.weekly, name="weekly"),
    path("kpis/", views.kpis, name="kpis"),
    path("list/<slug:kind>/", views.drill, name="drill"),
    path("weekly.pdf", views.weekly_pdf, name="weekly_pdf"),
    path("weekly.xlsx", views.weekly_xlsx, name="weekly_xlsx"),
]
