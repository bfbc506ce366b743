"""Integrations with gateways (LiteLLM)."""
