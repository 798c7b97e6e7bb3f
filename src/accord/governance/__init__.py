"""Consistency and completeness checks, change impact, credits and costs, audit trail."""
