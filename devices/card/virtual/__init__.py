"""Virtual EMV cards: profiles, an emulator, and a vpcd client that lets pcscd see them as real cards."""
