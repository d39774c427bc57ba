"""The leads' dashboard: who is looking (sessions, sign-in), and what the pages show.

The web edge (handlers/dashboard/) renders it; the reports and timelines it shows come from
bot/reports and bot/resolutions, composed at that edge, never copied here.
"""
