from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from collab_portal.lib.admin import ReadOnlyAdminMixin
from collab_portal.reminders.models import Reminder, ReminderRule, WebhookEndpoint
from collab_portal.reminders.registry import rules
from collab_portal.reminders.services import (
    reminder_resend,
    robot_test_send,
    rule_label,
    rule_settings,
)

# A year of working days: a longer lead or repeat is a slip, and the sweeps would step through it
# every few minutes (``add_workdays`` refuses more than ``MAX_WORKDAYS_STEP``).
MAX_RULE_WORKDAYS = 250


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    """Admins tune each rule of docs/process.md; the rules themselves come with the stage apps."""

    list_display = [
        "__str__",
        "enabled",
        "lead_days",
        "repeat_days",
        "escalate_after_days",
        "send_at",
        "on_rest_days",
    ]
    list_editable = ["enabled"]
    fields = [
        "key",
        "enabled",
        "lead_days",
        "repeat_days",
        "escalate_after_days",
        "send_at",
        "on_rest_days",
    ]
    readonly_fields = ["key"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("lead_days", "repeat_days", "escalate_after_days"):
            kwargs["max_value"] = MAX_RULE_WORKDAYS
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        for spec in rules():  # every registered rule has its row to edit
            rule_settings(spec)
        return super().changelist_view(request, extra_context)


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The reminder log: what went to whom, when, through which channel, and what failed."""

    list_display = [
        "created_at",
        "rule_name",
        "recipient",
        "title",
        "state",
        "sent_at",
        "channels",
        "robot_state",
        "robot_error",
    ]
    list_filter = ["state", "robot_state", "rule", "escalation", "created_at"]
    search_fields = ["title", "recipient__display_name", "recipient__username", "period"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    actions = ["resend"]

    @admin.display(description=_("rule"), ordering="rule")
    def rule_name(self, reminder):
        return rule_label(reminder.rule)

    @admin.action(description=_("Send the failed group-robot messages again"))
    def resend(self, request, queryset):
        count = sum(reminder_resend(reminder=reminder) for reminder in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d reminder will be sent again.",
                "%(count)d reminders will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )

    def get_actions(self, request):
        # The read-only mixin removes "delete selected"; resending needs only the view right.
        actions = super().get_actions(request)
        return {name: action for name, action in actions.items() if name == "resend"}


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["department", "platform", "enabled"]
    list_filter = ["platform", "enabled"]
    search_fields = ["department__name"]
    list_select_related = ["department"]
    actions = ["send_test_message"]

    @admin.action(description=_("Send a test message to the group"))
    def send_test_message(self, request, queryset):
        for robot in queryset.select_related("department"):
            failure = robot_test_send(robot=robot, admin=request.user)
            if failure is None:
                self.message_user(
                    request, _("%(robot)s: the platform accepted it.") % {"robot": robot}
                )
            else:
                self.message_user(
                    request,
                    _("%(robot)s: it failed: %(reason)s") % {"robot": robot, "reason": failure},
                    level=messages.ERROR,
                )
