"""``talks-bot playground``: a local Discord (the emulator the tests use), the real bot
connected to it, and a page in the browser that looks and behaves like a Discord channel."""
