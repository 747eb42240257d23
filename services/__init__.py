"""The domain: plain Python with no knowledge of HTTP requests. Never imports ``citizen``."""
