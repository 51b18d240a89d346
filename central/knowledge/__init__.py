"""The knowledge service: articles written under maker/checker, published to kiosks through a cursor feed."""
