"""Money movements under four-eyes approval (SPEC §14): credit, debit, refund, release.

``kinds`` (what may be asked, amounts checked against the currency's minor units), ``rules``
(who must approve, pure), ``ask`` (a request stored, posted for approval), ``decide`` (approve,
reject, expire), ``execute`` (the back office's `POST /adjustments`, exactly once, from the
outbox), ``waiting`` (what the dashboard shows).
"""
