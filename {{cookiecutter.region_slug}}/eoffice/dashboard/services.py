"""What the dashboard shows first, by the user's main role, and the head's chart.

A head of office (pimpinan) first needs what waits for them: letters to read and to
sign, dispositions they gave that are overdue; a records clerk (pencatat) the day's
registering; a staff member (pegawai) their dispositions and what falls due soon. The
counters themselves come from the ``eoffice_dashboard_cards`` hook; each card names
the roles it comes first for (``DashboardCard.first``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from eoffice.extensions import db
from eoffice.ui import DashboardCard

#: A user's main role for the dashboard, the first of these they hold.
ROLE_PRIORITY = ("pimpinan", "pencatat", "pegawai", "admin")
CHART_WEEKS = 8


def dashboard_role(user) -> str:
    """The role whose needs the dashboard puts first. A head who also registers letters
    is a head first: their queues are the ones nobody else can clear."""
    return next((role for role in ROLE_PRIORITY if user.has_role(role)), "pegawai")


def arrange(cards: list[DashboardCard], role: str) -> tuple[list[DashboardCard],
                                                            list[DashboardCard]]:
    """(first, others): the role's first cards in their rank, then the rest in order."""
    first = sorted((c for c in cards if c.rank_for(role) is not None),
                   key=lambda c: (c.rank_for(role), c.order, c.title))
    return first, [c for c in cards if c.rank_for(role) is None]


@dataclass(frozen=True)
class WeekCount:
    """Letters in and out during one week (``start`` to ``start`` + 6 days)."""

    start: dt.date
    incoming: int
    outgoing: int


def letters_per_week(user, today: dt.date, weeks: int = CHART_WEEKS) -> list[WeekCount]:
    """Incoming letters the user may see and outgoing letters signed from the positions
    they hold, per week, the last ``weeks`` weeks ending today (oldest first).

    Incoming: per day, from the access grants' primary key (grantee, then received
    day), one range per grantee merged, so counting reads only this period's grants.
    Outgoing: per day, from the signer index (position, status)."""
    from eoffice import access
    from eoffice.letters import access as letter_rules
    from eoffice.outgoing.models import OutgoingLetter
    from eoffice.security import held_position_ids

    start = today - dt.timedelta(days=7 * weeks - 1)
    incoming_by_day: dict[dt.date, int] = {}
    held = letter_rules.RULE.grantees(user)
    if held:
        grant = access.AccessGrant
        branches = [sa.select(grant.sort_key, grant.object_id).where(
            grant.object_type == letter_rules.RULE.object_type, grant.grantee_kind == kind,
            grant.grantee_id == grantee_id,
            grant.sort_key.between(access.day_number(start), access.day_number(today)))
            for kind, grantee_id in held]
        merged = (sa.union(*branches) if len(branches) > 1 else branches[0]).subquery()
        for day, number in db.session.execute(
                sa.select(merged.c.sort_key, sa.func.count()).group_by(merged.c.sort_key)):
            incoming_by_day[access.from_day_number(day)] = number
    outgoing_by_day = dict(db.session.execute(
        sa.select(OutgoingLetter.signed_date, sa.func.count()).where(
            OutgoingLetter.signer_position_id.in_(held_position_ids(user)),
            OutgoingLetter.status.in_(("signed", "sent")),
            OutgoingLetter.signed_date.between(start, today))
        .group_by(OutgoingLetter.signed_date)).all())
    out = []
    for week in range(weeks):
        days = [start + dt.timedelta(days=7 * week + d) for d in range(7)]
        out.append(WeekCount(days[0], sum(incoming_by_day.get(d, 0) for d in days),
                             sum(outgoing_by_day.get(d, 0) for d in days)))
    return out


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    value: int
    series: str


@dataclass(frozen=True)
class BarChart:
    """A grouped bar chart drawn as inline SVG by the template (no script): the
    geometry is computed here, so the template only places shapes."""

    width: int
    height: int
    plot_top: int
    plot_bottom: int
    bar_width: float
    bars: list[Bar]
    labels: list[tuple[float, str]]  # (x of the group's middle, label)
    ticks: list[tuple[float, int]]  # (y, value) of the horizontal grid lines
    maximum: int


def bar_chart(groups: list[tuple[str, dict[str, int]]], series: tuple[str, ...], *,
              width: int = 560, height: int = 200) -> BarChart:
    """Geometry of ``groups`` ([(label, {series: value})]) as grouped bars."""
    left, top, bottom = 32, 10, 24
    plot_height = height - top - bottom
    maximum = max([v for _, values in groups for v in values.values()] + [0])
    scale_top = max(4, -(-maximum // 4) * 4)  # a multiple of 4 for four even grid steps
    group_width = (width - left) / max(len(groups), 1)
    bar_width = group_width * 0.8 / len(series)
    bars, labels = [], []
    for i, (label, values) in enumerate(groups):
        x0 = left + i * group_width + group_width * 0.1
        for j, name in enumerate(series):
            value = values.get(name, 0)
            bar_height = plot_height * value / scale_top
            bars.append(Bar(round(x0 + j * bar_width, 1),
                            round(top + plot_height - bar_height, 1),
                            round(bar_height, 1), value, name))
        labels.append((round(left + (i + 0.5) * group_width, 1), label))
    ticks = [(round(top + plot_height - plot_height * step / 4, 1), scale_top * step // 4)
             for step in range(5)]
    return BarChart(width, height, top, top + plot_height, round(bar_width - 1, 1), bars,
                    labels, ticks, maximum)
