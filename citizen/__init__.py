"""The HTTP face of Min helse: everything that knows about Flask requests."""
