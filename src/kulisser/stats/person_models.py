"""The daily aggregate of the team's load per person (``stats_person_day``, issue 15 items 3 and 7)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kulisser.db import Base


class PersonDay(Base):
    """One person's (or the unit's queue's) hand-overs and completed items of one kind on one day.

    Counts only, no patient: the team page and one's own week read these rows up to the job's
    watermark (``kulisser.stats.person_days``).
    """

    __tablename__ = "stats_person_day"
    # The unique key leads with (unit, day): the team page reads one unit's period, my week one
    # person's week of it. The queue's rows (user_id NULL) are not unique to the database, but
    # the job writes them by delete and insert only.
    __table_args__ = (UniqueConstraint("unit_id", "day", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    day: Mapped[date] = mapped_column(Date)
    # The person (None: the unit's queue, "no person").
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    kind: Mapped[str] = mapped_column(String(40))
    # Items handed to her, handed away from her (``team.owner_move``), and completed with her as
    # owner, on the local (Stockholm) day.
    handed_in: Mapped[int] = mapped_column(Integer, default=0)
    handed_out: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
