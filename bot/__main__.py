"""`python -m bot` is the same CLI as `baton`."""

from bot.cli.main import main

main()
