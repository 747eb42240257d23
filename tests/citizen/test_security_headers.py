"""Every response carries the headers that keep health data out of frames and caches."""


def test_pages_forbid_inline_script_framing_and_caching(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # development: plain http


def test_production_adds_hsts(make_app):
    response = make_app(APP_ENV="production").test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_stylesheets_may_be_cached(client):
    response = client.get("/static/site.css")
    response.close()
    assert response.headers.get("Cache-Control") != "no-store"


def test_behind_a_proxy_rate_limits_key_on_the_citizen_not_the_proxy(make_app):
    from flask import request

    app = make_app(PROXY_HOPS=1)

    @app.get("/probe-address")
    def probe_address():
        return {"remote_addr": request.remote_addr, "scheme": request.scheme}

    response = app.test_client().get("/probe-address", headers={
        "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.json == {"remote_addr": "203.0.113.7", "scheme": "https"}


def test_without_a_configured_proxy_forwarded_headers_are_ignored(make_app):
    from flask import request

    app = make_app()

    @app.get("/probe-address")
    def probe_address():
        return {"remote_addr": request.remote_addr}

    response = app.test_client().get("/probe-address", headers={
        "X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.json == {"remote_addr": "10.0.0.2"}


def test_headers_a_view_sets_itself_are_kept(make_app):
    app = make_app()

    @app.get("/probe-cacheable")
    def probe_cacheable():
        return "public", {"Cache-Control": "max-age=60", "X-Frame-Options": "SAMEORIGIN"}

    response = app.test_client().get("/probe-cacheable")
    assert response.headers.getlist("Cache-Control") == ["max-age=60"]
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_limit_on_a_whole_blueprint_still_applies_to_its_endpoints(make_app):
    from flask import Blueprint

    from citizen.extensions import limiter

    probes = Blueprint("probe_limited", __name__)
    probes.add_url_rule("/probe-limited", view_func=lambda: "ok")
    limiter.limit("2 per minute")(probes)
    app = make_app()
    app.register_blueprint(probes)
    client = app.test_client()
    assert [client.get("/probe-limited").status_code for _ in range(3)] == [200, 200, 429]


def test_a_rate_limited_endpoint_tells_the_client_its_limit(client):
    from citizen.oauth.blueprint import TOKEN_RATE_LIMIT

    response = client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert response.headers["X-RateLimit-Limit"] == TOKEN_RATE_LIMIT.split()[0]
    assert "X-RateLimit-Remaining" in response.headers
    assert "X-RateLimit-Limit" not in client.get("/healthz").headers
