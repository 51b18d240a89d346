"""What the kiosk and the central services both use: clock, paths, i18n, redaction, config loading.

It imports nothing of the kiosk's GUI, devices or central's web stack, so a central server
installs it without Kivy and a kiosk without FastAPI; every other package may import it, it
imports none of them.
"""

__version__ = "0.1.0"
