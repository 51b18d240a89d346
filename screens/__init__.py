"""Thin Kivy views: one screen = its kv file + a small controller that calls kiosk services."""
