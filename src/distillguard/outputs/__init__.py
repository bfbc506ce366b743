"""Outputs: the contract files (accounts.csv, campaigns.json) and richer tables."""
