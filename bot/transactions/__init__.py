"""Transactions: the failure-code catalogue, findings, enrichment of escalations, and lookups."""
