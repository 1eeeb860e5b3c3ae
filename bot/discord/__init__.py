"""The Discord side: a discord.py 2.x bot serving slash commands from the answer engine."""
