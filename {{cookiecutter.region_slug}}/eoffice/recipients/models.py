"""Recipient groups and external contacts (the address book)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import TimestampMixin
from eoffice.extensions import db

if TYPE_CHECKING:
    from eoffice.org.models import Position

recipient_group_members = sa.Table(
    "recipient_group_members", db.metadata,
    sa.Column("group_id", sa.ForeignKey("recipient_groups.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("position_id", sa.ForeignKey("positions.id", ondelete="CASCADE"),
              primary_key=True, index=True),
)


class RecipientGroup(TimestampMixin, db.Model):
    """A named set of positions a letter is often addressed to together (all OPD heads,
    all camat, a committee). Choosing the group in the draft form adds its positions:
    a letter is still addressed to positions, so each member's inbox gets it."""

    __tablename__ = "recipient_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    positions: Mapped[list[Position]] = relationship(secondary=recipient_group_members,
                                                     order_by="Position.name")


class ExternalContact(TimestampMixin, db.Model):
    """An agency or person outside the region's organisation that letters go to (an
    external recipient: name, agency, address)."""

    __tablename__ = "external_contacts"
    __table_args__ = (sa.Index("ix_external_contacts_name", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    agency: Mapped[str | None] = mapped_column(sa.String(255))
    address: Mapped[str | None] = mapped_column(sa.String(500))
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def line(self) -> str:
        """As the draft form's external recipients field takes it: name | agency | address."""
        return " | ".join([self.name, self.agency or "", self.address or ""]).rstrip(" |")
