"""Server-side login sessions for citizens and staff (the cookie holds only a random token)."""
