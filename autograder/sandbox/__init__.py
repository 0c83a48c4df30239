"""Run untrusted student code in a separate, resource-limited process."""
