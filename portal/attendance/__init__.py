"""考勤: schedule settings, day results derived from the activity log, 补卡 and 封账.

`rules` is the pure core (no database, no request objects); `settings`,
`corrections` and `locks` hold the tables' logic; `views` the pages.
"""
