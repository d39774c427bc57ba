"""What a webhook says, read once at the door: the inbox stores these events, the worker reads them.

Each module turns one service's decoded body into Baton's own small frozen dataclass (and the
inbox's dedupe key for the delivery); nothing after the door reads a raw body again.
"""

MAX_KEY = 200  # inbox_events.dedupe_key column size
MAX_KIND = 100  # inbox_events.kind column size
