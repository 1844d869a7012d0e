"""The activity log: the ground floor of the portal (DESIGN.md, "Layers").

`models` holds the events, each person's current status, the board versions and
the month locks (封账); `locks` answers whether a day is closed; `rules` is the one
writer of the log with its sequence checks. Board, leave, attendance and
inspections stand on this package; it imports none of them.
"""
