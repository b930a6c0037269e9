from risks_app import views

app_name = "risks_app"
urlpatterns = views.urlpatterns
