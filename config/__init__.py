"""Settings: one pydantic-settings class, from ``TALKS_*`` environment variables and ``.env``."""

from config.settings import Settings, SettingsError, load_settings

__all__ = ["Settings", "SettingsError", "load_settings"]
