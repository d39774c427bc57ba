"""Transactions a person asks for from Slack: the lookup, and the gate that decides who may."""
