"""The electronic queue: pure rules in :mod:`.engine`, database work in :mod:`.store` and :mod:`.counters`."""
