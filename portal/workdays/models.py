"""Work calendar tables (filled in by the calendar work)."""
