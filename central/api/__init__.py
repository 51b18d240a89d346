"""HTTP routers, one module per area; later areas (queue, appointments, appeals) add theirs here."""
