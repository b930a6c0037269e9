"""The kinds of one-time link a case hands to external contacts (the plan's confirmation here,
the delivery's acceptance in acceptance_app), so the case page can list every link of the case
with its state, and revoke or e-mail one, without this app importing the later stages: each
stage registers its kind at start-up. The links themselves are the signing platform's
(``collab_portal.signoffs``: only the SHA-256 of a token is stored).

Also what the page that shows a new link once needs: the URL, its QR code and whether it can
be e-mailed to the contact."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import format_lazy

from collab_portal.lib.qr_codes import qr_svg
from collab_portal.org.models import ExternalContact


@dataclass(frozen=True)
class LinkKind:
    """``purpose`` as stored on the link; ``records(case)``: the case's records its links point
    at (a queryset of ``model``); ``may_send(user, case, contact)``: who may create such a link
    for that contact, and so revoke or e-mail it; ``invitation(record)``: the sentence of the
    e-mail saying what the contact is asked to do; ``url_name``: the link's page, by token."""

    purpose: str
    label: Promise
    model: type[models.Model]
    records: Callable[[object], models.QuerySet]
    may_send: Callable[[object, object, ExternalContact], bool]
    invitation: Callable[[models.Model], Promise]
    url_name: str


_kinds: dict[str, LinkKind] = {}


def register_link_kind(kind: LinkKind) -> None:
    _kinds[kind.purpose] = kind


def link_kinds() -> list[LinkKind]:
    return list(_kinds.values())


def kind_of(purpose: str) -> LinkKind | None:
    return _kinds.get(purpose)


def case_invitation(text: Promise) -> Callable[[models.Model], Promise]:
    """An ``invitation`` for records with a ``request`` and a ``version`` (a plan, a delivery):
    ``text`` with {company} (the initiating department), {code}, {subject} and {version}."""

    def invitation(record) -> Promise:
        case = record.request
        return format_lazy(
            text,
            company=case.initiator_department.name,
            code=case.code,
            subject=case.subject,
            version=record.version,
        )

    return invitation


@dataclass(frozen=True)
class NewLink:
    """A link just created, shown once: its URL, the URL as a QR code, and where to post the
    token to e-mail it to the contact (when the contact has an address)."""

    url: str
    token: str
    qr_svg: str
    contact: ExternalContact
    email_url: str

    @property
    def can_email(self) -> bool:
        return bool(self.contact.email)


def new_link(*, request, case, path: str, contact: ExternalContact) -> NewLink:
    """What the page showing the link at ``path`` (``/x/<purpose>/<token>/``) once needs;
    ``request`` is the HTTP request, for the portal's address as the person reached it."""
    url = request.build_absolute_uri(path)
    return NewLink(
        url=url,
        token=path.rstrip("/").rsplit("/", 1)[-1],
        qr_svg=qr_svg(url),
        contact=contact,
        email_url=reverse("requests_app:link_email", args=[case.code]),
    )
