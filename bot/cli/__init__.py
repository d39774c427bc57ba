"""The `baton` command: its groups, the queue tools and the shared start-up checks."""
