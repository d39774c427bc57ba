"""Pure Block Kit builders: data and a gettext callable in, Slack message dicts out, no I/O.

Text a customer or an agent wrote goes through ``text.customer`` (masked, then escaped) before
it meets ``mrkdwn``, in every builder, so it can neither ping a channel nor disguise a link.
Every message and view then goes through ``limits.message`` or ``limits.view``, so no text
can make Slack refuse it for being too long. Every action, block and callback id is a member
of an enum in ``ids.py`` (builders and handlers import them from there), and every modal is
built in ``modals.modal``'s envelope.
"""
