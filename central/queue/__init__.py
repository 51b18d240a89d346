"""The electronic queue: pure rules in :mod:`.engine`; tickets in :mod:`.store` (created in groups by
:mod:`.writer`), offline number blocks in :mod:`.leases`, staff actions in :mod:`.counters`, read-only
views for kiosks and the hall board in :mod:`.views`."""
