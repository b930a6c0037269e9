"""The organisation: departments, people, heads, leaders in charge, delegates, external parties."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    _("Use letters, digits, dot, dash or underscore, starting with a letter or digit."),
)


class Department(models.Model):
    """A node of the company tree: company → division → department."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        DIVISION = "division", _("Division")
        DEPARTMENT = "department", _("Department")

    ALLOWED_PARENT_KINDS = {
        Kind.COMPANY: set(),
        Kind.DIVISION: {Kind.COMPANY, Kind.DIVISION},
        Kind.DEPARTMENT: {Kind.COMPANY, Kind.DIVISION, Kind.DEPARTMENT},
    }
    MAX_DEPTH = 6

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("department head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    leader_in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader in charge"),
        help_text=_("Receives escalations. Left empty, the parent's leader in charge applies."),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_departments",
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="org_department_unique_name_per_parent"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Department]:
        """Parents from the nearest up to the root (one query per level; trees are shallow)."""
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    def clean(self):
        if self.parent_id is None:
            if self.kind != self.Kind.COMPANY:
                raise ValidationError({"parent": _("Only a company has no parent.")})
            return
        if self.kind == self.Kind.COMPANY:
            raise ValidationError({"parent": _("A company cannot have a parent.")})
        if self.pk and (
            self.parent_id == self.pk or self.pk in {d.pk for d in self.parent.ancestors()}
        ):
            raise ValidationError({"parent": _("A department cannot sit inside itself.")})
        if self.parent.kind not in self.ALLOWED_PARENT_KINDS[self.kind]:
            raise ValidationError(
                {
                    "parent": _("A %(kind)s cannot sit under a %(parent_kind)s.")
                    % {
                        "kind": self.get_kind_display(),
                        "parent_kind": self.parent.get_kind_display(),
                    }
                }
            )
        if len(self.parent.ancestors()) + 2 > self.MAX_DEPTH:
            raise ValidationError({"parent": _("The department tree is at most 6 levels deep.")})


class User(AbstractUser):
    """A person with an account. The profile lives on the user itself: no join, no lazy creation."""

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    employee_no = models.CharField(
        _("employee number"),
        max_length=32,
        unique=True,
        null=True,
        blank=True,
        validators=[code_validator],
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    position = models.CharField(_("position"), max_length=50, blank=True)
    phone = models.CharField(
        _("phone"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^[0-9+\- ]{5,20}$", _("Enter a valid phone number."))],
    )
    signature_image = models.ImageField(
        _("signature image"), upload_to="signatures/", null=True, blank=True
    )
    remind_by_email = models.BooleanField(
        _("reminders by email"), default=True, help_text=_("Reminders always show in the portal.")
    )
    remind_by_robot = models.BooleanField(
        _("reminders in my department's group robot"),
        default=True,
        help_text=_("DingTalk, WeCom or Feishu, when the department has one."),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["employee_no", "username"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_portal_admin(self) -> bool:
        return self.is_active and self.is_superuser


class DelegationQuerySet(models.QuerySet):
    def in_force(self, on: datetime.date | None = None) -> DelegationQuerySet:
        on = on or timezone.localdate()
        return self.filter(is_active=True, starts_on__lte=on, ends_on__gte=on)


class Delegation(models.Model):
    """代理人: ``delegate`` acts for ``principal`` from ``starts_on`` to ``ends_on`` inclusive."""

    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("principal"),
        on_delete=models.CASCADE,
        related_name="delegations_given",
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delegate"),
        on_delete=models.CASCADE,
        related_name="delegations_received",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = DelegationQuerySet.as_manager()

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="org_delegation_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(principal=models.F("delegate")),
                name="org_delegation_not_to_self",
            ),
        ]

    def __str__(self) -> str:
        return _("%(delegate)s for %(principal)s, %(start)s – %(end)s") % {
            "delegate": self.delegate,
            "principal": self.principal,
            "start": self.starts_on,
            "end": self.ends_on,
        }

    @property
    def can_be_ended(self) -> bool:
        return self.is_active and self.ends_on >= timezone.localdate()

    @property
    def has_started(self) -> bool:
        return self.starts_on <= timezone.localdate()

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The end date is before the start date.")
        if self.principal_id and self.principal_id == self.delegate_id:
            errors["delegate"] = _("Nobody can be their own delegate.")
        if not errors and self.is_active and self.principal_id and self.starts_on and self.ends_on:
            overlapping = (
                Delegation.objects.filter(
                    principal_id=self.principal_id,
                    is_active=True,
                    starts_on__lte=self.ends_on,
                    ends_on__gte=self.starts_on,
                )
                .exclude(pk=self.pk)
                .exists()
            )
            if overlapping:
                errors["starts_on"] = _(
                    "This person already has a delegate for part of these dates."
                )
        if errors:
            raise ValidationError(errors)


class ExternalParty(models.Model):
    """A customer, supplier or partner organisation outside the company."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        SUPPLIER = "supplier", _("Supplier")
        PARTNER = "partner", _("Partner")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    internal_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("internal owner"),
        help_text=_("The account manager or buyer who looks after this party."),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="external_parties",
    )
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("external party")
        verbose_name_plural = _("external parties")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class ExternalContact(models.Model):
    """A person at an external party; has no account and confirms through one-time links."""

    party = models.ForeignKey(
        ExternalParty, verbose_name=_("party"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("title"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("external contact")
        verbose_name_plural = _("external contacts")
        ordering = ["party", "-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(fields=["party", "name"], name="org_contact_unique_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.party})"


class WorkdayOverride(models.Model):
    """An administrator's say on one date, above the PRC calendar and the entered holiday years: a
    closure on a weekday, an extra working day. A year's holidays are a ``HolidayYear``."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.note}".strip()


class HolidayYear(models.Model):
    """A year's holidays and make-up working days (放假调休安排) as the State Council published
    them, entered by an administrator. An entered year replaces the ``chinese-calendar``
    package for every day of that year: a day is a working day when it is a make-up day, or a
    Monday to Friday outside the holidays. ``WorkdayOverride`` still wins over it, day by day."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    text = models.TextField(_("arrangement as entered"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("holiday arrangement")
        verbose_name_plural = _("holiday arrangements")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class HolidayEntry(models.Model):
    """One holiday (a range of days off) or one make-up working day of a ``HolidayYear``."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        MAKE_UP_DAY = "make_up_day", _("Make-up working day")

    holiday_year = models.ForeignKey(HolidayYear, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("holiday arrangement entry")
        verbose_name_plural = _("holiday arrangement entries")
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")), name="org_holiday_entry_in_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_day}–{self.last_day} {self.name}".strip()
