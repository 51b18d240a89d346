"""The kiosk's services: plain Python, no Kivy, each tested without a window."""
