from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignoffsConfig(AppConfig):
    name = "collab_portal.signoffs"
    label = "signoffs"
    verbose_name = _("Sign-offs")
