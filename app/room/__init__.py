"""A member's room to claim: what is left of each item's caps and which months take claims."""
