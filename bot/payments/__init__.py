"""What Baton knows of payments: what a ticket names, what the source found, failure codes."""
