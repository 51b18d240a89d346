"""Card statements, balance, connected services and temporary blocks, behind :class:`StatementBackend`.

``backend`` is the interface a bank implements over its core system; ``demo_bank`` is the
reference adapter; ``guard`` checks the kiosk's PIN attestation and the per-card rate limit.
"""
