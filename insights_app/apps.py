from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsAppConfig(AppConfig):
    """The process KPIs read every stage app's records; no stage app imports this one."""

    name = "insights_app"
    label = "insights_app"
    verbose_name = _("Process KPIs")
