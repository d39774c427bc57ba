"""SLA timers, claim time-outs and shift handovers, fired once from stored deadlines."""
