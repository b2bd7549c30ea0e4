"""Headers every answer carries, including those written below the app (500, 503)."""

SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]
