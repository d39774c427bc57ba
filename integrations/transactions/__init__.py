"""The transactions source: a back office's SQL table or its HTTP API (SPEC §8).

Both adapters implement bot.ports.TransactionsPort and return bot.domain.Transaction; the names
and words of a back office are translated by [transactions] in BATON_CONFIG (mapping.py).
"""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.errors import IntegrationError
from bot.ports import TransactionsPort
from integrations.transactions.http import HttpTransactions
from integrations.transactions.sql import SqlTransactions

__all__ = ["HttpTransactions", "SqlTransactions", "check_source", "from_settings"]

log = logging.getLogger(__name__)


def from_settings(settings: Settings) -> TransactionsPort | None:
    """The adapter the settings name, or None when no transactions source is configured.

    load_settings refuses TRANSACTIONS_URL and TRANSACTIONS_DATABASE_URL together.
    """
    config = settings.config.transactions
    if settings.transactions_database_url:
        return SqlTransactions(settings.transactions_database_url, config)
    if settings.transactions_url:
        return HttpTransactions(
            settings.transactions_url, config, token=settings.transactions_api_token
        )
    return None


async def check_source(source: TransactionsPort) -> None:
    """Log at start whether the source is as configured; never raises (lookups report it too)."""
    if not isinstance(source, SqlTransactions):
        return
    try:
        await source.check()
    except IntegrationError as err:
        log.warning("transactions.misconfigured", extra={"problem": str(err)})
    else:
        log.info("transactions.ready", extra={"table": source.config.sql.table})
