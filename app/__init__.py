"""Vanguard Points (先锋积分): party member points service."""
