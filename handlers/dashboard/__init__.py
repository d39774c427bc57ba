"""The leads' dashboard over HTTP (SPEC §16); handlers/dashboard/routes.register wires it."""
