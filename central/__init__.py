"""Central service for the kiosk fleet: centers, hours, services, announcements and rates over HTTP.

Kept apart from the ``kiosk`` package so it can run on its own server; it shares only the
strict TOML loader and the injectable clock.
"""

__version__ = "0.1.0"
