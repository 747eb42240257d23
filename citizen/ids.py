"""The URL converter of our ids: PostgreSQL integers, so a larger one names nothing (404),
not a database error. One place, importable by any blueprint without import cycles."""

ID = "int(min=1, max=2147483647)"
