"""The quarterly evaluation (DESIGN.md §5): codes for the masses and their printed sheet."""
