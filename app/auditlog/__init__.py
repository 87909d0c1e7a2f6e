"""The audit trail of a subtree: who did what when, filterable, paged by cursor, as CSV."""
