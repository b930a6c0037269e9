"""Stage 3–4 records: the WBS (one owner per task), progress updates, weekly summaries."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from cases.models import Case
from collab_portal.org.models import Department
from requests_app.models import Milestone

MAX_DEPTH = 4


# 关键任务, one definition for every page, file, gate and reminder: a task is key when it is
# flagged key or sits under a task that is. A key task is the unit the manual's 关键节点 speak
# of; a parent is never worked on itself (its subtasks are its work, and it is done when they
# are), so the subtasks of a flagged parent are key work: the delivery gate waits for them, an
# overdue one is a key task overdue, a risk on one threatens a key task. The same rule in the
# forms its readers need, side by side: in SQL (``key_task_filter``, and ``key_task_subquery``
# from another model), over a loaded tree (``key_task_pks``) and for one task with its parents
# (``Task.counts_as_key``); tests/tasks_app/test_key_tasks.py checks that they agree.


def key_task_filter(prefix: str = "") -> Q:
    """The key tasks, as a filter; ``prefix`` reaches the task from another model ("task__")."""
    condition = Q()
    for level in range(MAX_DEPTH):
        condition |= Q(**{f"{prefix}{'parent__' * level}is_key": True})
    return condition


def key_task_subquery(task_id: str) -> models.Exists:
    """The same filter for another model's rows, whose column ``task_id`` holds a task: one
    index lookup per level up, no join (a join hashed every task of the company to count a few
    thousand risks). Built from the topmost level down; it refers to no relation, so a module
    may build it at import."""
    condition = models.Q(is_key=True)
    for _level in range(MAX_DEPTH - 1):
        above = Task.objects.filter(condition, pk=models.OuterRef("parent_id"))
        condition = models.Q(is_key=True) | models.Exists(above)
    return models.Exists(Task.objects.filter(condition, pk=models.OuterRef(task_id)))


def key_task_pks(tasks: Iterable) -> set[int]:
    """The pks of the key tasks among ``tasks`` (anything with ``pk``, ``parent_id`` and
    ``is_key``: tasks or the tracking table's facts). Give whole trees: a flag above the tasks
    given is not seen."""
    tasks = list(tasks)
    by_pk = {task.pk: task for task in tasks}
    known: dict[int, bool] = {}
    for task in tasks:
        chain, node, answer = [], task, False
        while node is not None and node.pk not in chain:
            if node.pk in known:
                answer = known[node.pk]
                break
            chain.append(node.pk)
            if node.is_key:
                answer = True
                break
            node = by_pk.get(node.parent_id)
        known.update(dict.fromkeys(chain, answer))  # the walk's tasks all sit under where it ended
    return {pk for pk, key in known.items() if key}


class TaskQuerySet(models.QuerySet):
    def for_request(self, request: Case) -> TaskQuerySet:
        return self.filter(request=request)

    def open(self) -> TaskQuerySet:
        return self.exclude(status=Task.Status.DONE)

    def overdue(self, today: datetime.date | None = None) -> TaskQuerySet:
        today = today or timezone.localdate()
        return self.open().filter(due_on__lt=today)

    def leaves(self) -> TaskQuerySet:
        return self.filter(is_leaf=True)

    def key(self) -> TaskQuerySet:
        """关键任务 (see ``key_task_filter``)."""
        return self.filter(key_task_filter())

    def with_key_task(self) -> TaskQuerySet:
        """Each task with ``key_task``, whether it is a key task (see ``key_task_filter``)."""
        return self.annotate(
            key_task=models.Case(
                models.When(key_task_filter(), then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )

    def mark_leaves(self) -> int:
        """Set ``is_leaf`` from the tree, for rows written around save() (bulk_create)."""
        return self.update(
            is_leaf=~models.Exists(Task.objects.filter(parent=models.OuterRef("pk")))
        )


class Task(ConcurrentTransitionMixin, models.Model):
    """One node of the work breakdown (WBS code 1, 1.2, 1.2.3); leaves are the work."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DELAYED = "delayed", _("Delayed")
        BLOCKED = "blocked", _("Blocked")

    request = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    position = models.PositiveIntegerField(default=0)
    wbs_code = models.CharField(_("task ID"), max_length=32, blank=True)
    depth = models.PositiveSmallIntegerField(default=1)
    # Kept by renumber() and by save()/delete(): the dashboards, KPIs and reminders count leaves
    # of 100,000 tasks, and an anti-join on the children doubled each of those queries.
    is_leaf = models.BooleanField(default=True, editable=False)
    name = models.CharField(_("task name"), max_length=120)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_tasks",
    )
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collaborators"),
        blank=True,
        related_name="assisted_tasks",
    )
    lead_department = models.ForeignKey(
        Department,
        verbose_name=_("lead department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_tasks",
    )
    supporting_departments = models.ManyToManyField(
        Department, verbose_name=_("supporting departments"), blank=True, related_name="+"
    )
    start_on = models.DateField(_("start"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    planned_start_on = models.DateField(_("planned start"), null=True, blank=True)
    planned_due_on = models.DateField(_("planned due"), null=True, blank=True)
    deliverable_standard = models.TextField(_("deliverable standard"), max_length=2000, blank=True)
    is_key = models.BooleanField(_("key task"), default=False)
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("plan milestone"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    status = FSMField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.NOT_STARTED,
        protected=True,
    )
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    status_reason = models.TextField(_("reason"), max_length=2000, blank=True)
    expected_done_on = models.DateField(_("new expected date"), null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_update_on = models.DateField(_("last update"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["request", "position", "pk"]
        indexes = [
            models.Index(fields=["request", "wbs_code"], name="task_request_code"),
            models.Index(fields=["owner", "status"], name="task_owner_status"),
            models.Index(fields=["status", "due_on"], name="task_status_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_on__isnull=True)
                | Q(due_on__isnull=True)
                | Q(due_on__gte=models.F("start_on")),
                name="task_due_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="task_progress_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.wbs_code} {self.name}".strip()

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding and self.parent_id:
            Task.objects.filter(pk=self.parent_id, is_leaf=True).update(is_leaf=False)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("tasks_app:task", args=[self.request.code, self.pk])

    def delete(self, *args, **kwargs):
        parent_id = self.parent_id
        deleted = super().delete(*args, **kwargs)
        if parent_id and not Task.objects.filter(parent_id=parent_id).exists():
            Task.objects.filter(pk=parent_id).update(is_leaf=True)
        return deleted

    @property
    def counts_as_key(self) -> bool:
        """关键任务 (see ``key_task_filter``): this task or one above it is flagged. Walks up
        ``parent``, so a list reads its tasks with ``select_related("parent__parent__parent")``."""
        task, depth = self, 0
        while task is not None and depth < MAX_DEPTH:
            if task.is_key:
                return True
            task, depth = (task.parent if task.parent_id else None), depth + 1
        return False

    @property
    def open_reason(self) -> str:
        """Why the task stands as it does (delayed, blocked, reworked); nothing once it is done.
        Earlier reasons stay in its history and the case's timeline."""
        return "" if self.status == self.Status.DONE else self.status_reason

    @property
    def delayed_to(self) -> datetime.date | None:
        """The new expected date of a delayed task."""
        return self.expected_done_on if self.status == self.Status.DELAYED else None

    @property
    def is_overdue(self) -> bool:
        return (
            self.status != self.Status.DONE
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )

    @property
    def variance_days(self) -> int | None:
        """Current due date minus the planned one (positive = later than planned)."""
        if self.due_on is None or self.planned_due_on is None:
            return None
        return (self.due_on - self.planned_due_on).days

    @transition(field=status, source=Status.NOT_STARTED, target=Status.IN_PROGRESS)
    def start(self):
        pass

    @transition(
        field=status,
        source=[Status.NOT_STARTED, Status.IN_PROGRESS, Status.DELAYED],
        target=Status.DONE,
    )
    def complete(self):
        pass

    @transition(
        field=status, source=[Status.IN_PROGRESS, Status.NOT_STARTED], target=Status.DELAYED
    )
    def report_delay(self):
        pass

    @transition(
        field=status,
        source=[Status.NOT_STARTED, Status.IN_PROGRESS, Status.DELAYED],
        target=Status.BLOCKED,
    )
    def report_block(self):
        pass

    @transition(field=status, source=[Status.DELAYED, Status.BLOCKED], target=Status.IN_PROGRESS)
    def resume(self):
        pass

    @transition(field=status, source=Status.DONE, target=Status.IN_PROGRESS)
    def reopen(self):
        """Rework after a failed acceptance."""


class TaskDateChange(models.Model):
    """A due-date change after publishing: kept, with its reason."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="date_changes")
    old_due_on = models.DateField(_("old due date"))
    new_due_on = models.DateField(_("new due date"))
    reason = models.TextField(_("reason"), max_length=2000)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("due date change")
        verbose_name_plural = _("due date changes")
        ordering = ["changed_at"]

    def __str__(self) -> str:
        return f"{self.task}: {self.old_due_on} → {self.new_due_on}"


class ProgressUpdate(models.Model):
    """每日进展: one per task per day, editable that day."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("date"))
    percent = models.PositiveSmallIntegerField(_("progress %"))
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-day", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["task", "day"], name="progress_one_per_task_per_day"),
            models.CheckConstraint(
                condition=Q(percent__lte=100), name="progress_percent_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.day} {self.percent}%"


class WbsTemplate(models.Model):
    """A reusable work breakdown; items keep their offsets from the template's start."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("WBS template")
        verbose_name_plural = _("WBS templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WbsTemplateItem(models.Model):
    """A task of a template: when it starts and how long it runs, both in working days of the
    PRC calendar (``services.templates._WorkdaySchedule``)."""

    template = models.ForeignKey(WbsTemplate, on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(_("task name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    start_offset_days = models.PositiveIntegerField(_("starts after (working days)"), default=0)
    duration_days = models.PositiveIntegerField(_("duration (working days)"), default=1)
    deliverable_standard = models.TextField(_("deliverable standard"), blank=True)
    is_key = models.BooleanField(_("key task"), default=False)

    class Meta:
        verbose_name = _("template task")
        verbose_name_plural = _("template tasks")
        ordering = ["template", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class WeeklySummary(FSMModelMixin, models.Model):
    """周报: per case and ISO week; drafted from the data, edited and published by the
    coordinator. Published summaries are kept as they were published."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class Rag(models.TextChoices):
        GREEN = "green", _("Green: on track")
        AMBER = "amber", _("Amber: at risk")
        RED = "red", _("Red: off track")

    request = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="weekly_summaries")
    iso_year = models.PositiveSmallIntegerField()
    iso_week = models.PositiveSmallIntegerField()
    state = FSMField(
        _("state"), max_length=12, choices=State.choices, default=State.DRAFT, protected=True
    )
    rag = models.CharField(_("status"), max_length=8, choices=Rag.choices, default=Rag.GREEN)
    facts = models.JSONField(_("facts"), default=dict)
    comments = models.TextField(_("coordinator's comments"), max_length=10000, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("weekly summary")
        verbose_name_plural = _("weekly summaries")
        ordering = ["-iso_year", "-iso_week"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "iso_year", "iso_week"], name="weekly_one_per_case_per_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request.code} {self.iso_year}-W{self.iso_week:02d}"

    @transition(field=state, source=State.DRAFT, target=State.PUBLISHED)
    def publish(self):
        pass

    @property
    def week_start(self) -> datetime.date:
        return datetime.date.fromisocalendar(self.iso_year, self.iso_week, 1)

    @property
    def week_end(self) -> datetime.date:
        return datetime.date.fromisocalendar(self.iso_year, self.iso_week, 7)

    @property
    def label(self) -> str:
        return _("%(year)s week %(week)s (%(start)s–%(end)s)") % {
            "year": self.iso_year,
            "week": self.iso_week,
            "start": f"{self.week_start:%m.%d}",
            "end": f"{self.week_end:%m.%d}",
        }
