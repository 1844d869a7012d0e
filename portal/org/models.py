"""The organisation tree: 青山区 → 街镇 (Street) → 社区 (Community) → 网格 (Grid)."""
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db


class Street(db.Model):
    """A 街道 or 镇. Figures are those printed in the notice; `staff_count` is None
    where the notice prints none (兴胜镇)."""

    __tablename__ = "streets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    sort_order: Mapped[int]
    households: Mapped[int | None]
    households_note: Mapped[str | None] = mapped_column(String(200))
    grid_count: Mapped[int]
    staff_count: Mapped[int | None]
    staff_note: Mapped[str | None] = mapped_column(String(200))

    communities: Mapped[list["Community"]] = relationship(
        back_populates="street", order_by="Community.sort_order"
    )

    def __str__(self) -> str:
        return self.name


class Community(db.Model):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    sort_order: Mapped[int]
    grid_count: Mapped[int]
    staff_count: Mapped[int]
    staff_count_inferred: Mapped[bool] = mapped_column(default=False)
    printed_as: Mapped[str | None] = mapped_column(String(40))
    source_note: Mapped[str | None] = mapped_column(String(200))
    office_phone: Mapped[str | None] = mapped_column(String(20))

    street: Mapped[Street] = relationship(back_populates="communities")
    grids: Mapped[list["Grid"]] = relationship(back_populates="community", order_by="Grid.number")

    def __str__(self) -> str:
        return self.name


class Grid(db.Model):
    """One 网格 (about 400 households), served by exactly one 网格员 (一员一格)."""

    __tablename__ = "grids"
    __table_args__ = (UniqueConstraint("community_id", "number", name="uq_grids_community_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    number: Mapped[int]

    community: Mapped[Community] = relationship(back_populates="grids")

    @property
    def label(self) -> str:
        return f"第{self.number}网格"

    def __str__(self) -> str:
        return f"{self.community.name}{self.label}"
