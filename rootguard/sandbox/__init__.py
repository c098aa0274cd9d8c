"""A local AWS organization on moto, extended with what moto lacks."""
