"""Systems that call our APIs (hospital record system, helsenorge.no): OAuth2 clients."""
