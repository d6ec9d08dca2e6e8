"""Helpers for CSV and XLSX exports shared by every feature."""


def csv_safe(value: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a cell starting with = + - @
    gets a leading apostrophe. Imports strip that apostrophe again."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
