"""Private helpers shared by every layer: validation, number formatting and JSON, the result base."""
