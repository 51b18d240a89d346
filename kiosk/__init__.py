"""Service-center kiosk core: configuration, services and CLI, free of any GUI code."""

__version__ = "0.1.0"
