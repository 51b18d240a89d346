"""Service-center kiosk core: configuration, services and CLI, free of any GUI code."""

from service_common import __version__

__all__ = ["__version__"]
