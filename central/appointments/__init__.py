"""Appointments with a specialist: the pure slot engine lives in :mod:`.slots`.

Nothing is re-exported here: a function ``slots`` on the package would shadow the module
``central.appointments.slots`` for ``import ... as`` and ``from central.appointments import slots``.
"""
