"""The fleet: kiosk heartbeats, their health colours and the connection state with hysteresis."""
