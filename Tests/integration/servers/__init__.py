"""Test servers the integration tests start (each runnable standalone, bound to 127.0.0.1)."""
