"""Persistence: the database, its tables and migrations, and one durable queue (claim, lease,
order, backoff) under the webhook inbox and the outbound outbox."""
