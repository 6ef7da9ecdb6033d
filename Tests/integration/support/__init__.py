"""Shared helpers for the integration tests (test peers, agent runner, fixtures)."""
