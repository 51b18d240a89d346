"""Device drivers: one interface per device kind, a real driver and a simulator twin for each."""
