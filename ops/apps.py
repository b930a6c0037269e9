from django.apps import AppConfig


class OpsConfig(AppConfig):
    # No models: the app holds the operator's commands only.
    name = "ops"
    label = "ops"
