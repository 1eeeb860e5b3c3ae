"""``python -m bot`` is the same as the ``talks-bot`` command."""

from bot.cli import main

raise SystemExit(main())
