"""People on the district's staff, and the positions the notice names."""
import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.database import UTCDateTime, str_enum
from portal.extensions import db
from portal.org.models import Community, Grid, Street


class Level(enum.StrEnum):
    """Where a position's scope stops."""

    COMMUNITY = "community"
    STREET = "street"
    DISTRICT = "district"


class Position(enum.StrEnum):
    GRID_WORKER = "grid_worker"
    FRONT_DESK = "front_desk"
    SECRETARY = "secretary"
    STATION_HEAD = "station_head"
    STREET_LEADER = "street_leader"
    INSPECTOR = "inspector"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return POSITION_LABELS[self]

    @property
    def level(self) -> Level:
        if self in (Position.STREET_LEADER,):
            return Level.STREET
        if self in (Position.INSPECTOR, Position.ADMIN):
            return Level.DISTRICT
        return Level.COMMUNITY


POSITION_LABELS = {
    Position.GRID_WORKER: "网格员",
    Position.FRONT_DESK: "公共服务区工作人员",
    Position.SECRETARY: "社区书记",
    Position.STATION_HEAD: "站长",
    Position.STREET_LEADER: "街镇领导",
    Position.INSPECTOR: "区级督查",
    Position.ADMIN: "管理员",
}
POSITION_BY_LABEL = {label: pos for pos, label in POSITION_LABELS.items()}


class Person(db.Model):
    """A member of staff. Community positions carry community_id (and street_id of
    that community); a 街镇领导 carries street_id only; district staff carry neither.
    A 网格员 holds one grid, and a grid has at most one holder (一员一格)."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    position: Mapped[Position] = mapped_column(str_enum(Position, "position"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    # 参加工作时间: years of service decide the 年休假 entitlement.
    service_start: Mapped[date | None]
    # 入职本社区时间, where it differs from 参加工作时间: the year someone joins, their
    # 年休假 is prorated by the days left in that year (portal.leave.rules).
    community_start: Mapped[date | None]
    # The first day the portal judges this person's 考勤 (go-live, or the day a new
    # hire was added): earlier days are "not yet in the portal", never 缺勤.
    # None: judged on every day (people from before this column existed).
    portal_start: Mapped[date | None] = mapped_column(default=lambda: clock.today())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # 网格责任人公示 (八个一 三) shows the community's office phone instead of this person's own.
    public_office_phone: Mapped[bool] = mapped_column(default=False, server_default=false())

    street: Mapped[Street | None] = relationship()
    community: Mapped[Community | None] = relationship()
    grid: Mapped[Grid | None] = relationship()
    account: Mapped["Account | None"] = relationship(back_populates="person")  # noqa: F821

    @property
    def unit_name(self) -> str:
        if self.community is not None:
            return self.community.name
        if self.street is not None:
            return self.street.name
        return "青山区"

    def __str__(self) -> str:
        return self.name
