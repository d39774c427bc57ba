"""Resolutions: how an escalation ended, coaching, the ones needing a root cause, history."""
