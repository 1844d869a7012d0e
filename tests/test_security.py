"""The security baseline: CSRF, headers, cookies and the production configuration."""
import pytest

from portal import create_app
from portal.config import DemoConfig, ProductionConfig, TestingConfig, check_deploy
from portal.errors import FieldErrors
from tests.conftest import SUITE_NOW, Auth

GENERATED_KEY = "pZ3vX9qL0rT7mWc2Ky8sBn4Hd6Fj1Ga5Qe_Ru-Ux"  # as secrets.token_urlsafe would make


def test_posts_without_a_csrf_token_are_refused(auth):
    auth.login("fuyuan_worker01")
    response = auth.client.post("/logout")
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)
    assert auth.client.get("/").status_code == 200  # still logged in: nothing changed


def test_htmx_requests_send_the_token_in_a_header(auth):
    auth.login("fuyuan_worker01")
    token = auth.token("/")
    response = auth.client.post("/logout", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302


def test_the_csrf_token_survives_a_board_left_open_all_day(app, auth):
    from datetime import timedelta

    auth.login("fuyuan_frontdesk")
    token = auth.token("/")
    app.config["CLOCK_NOW"] = SUITE_NOW + timedelta(hours=10)
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    response = auth.client.post("/logout", headers={"X-CSRFToken": token})
    assert response.status_code == 302


def test_logout_is_not_possible_by_get(auth):
    auth.login("fuyuan_worker01")
    assert auth.client.get("/logout").status_code == 405


def test_no_route_changes_state_on_get(app):
    """Every route that changes state is POST-only: a GET to one is refused."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith("_POST") or rule.endpoint.split(".")[-1].startswith(("logout",)):
            assert "GET" not in rule.methods, rule


def test_security_headers_on_every_page(auth):
    for path in ("/login", "/static/css/portal.css"):
        headers = auth.client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_authenticated_pages_are_not_stored(auth):
    auth.login("fuyuan_worker01")
    for path in ("/", "/org/"):
        assert auth.client.get(path).headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(auth):
    response = auth.login("fuyuan_worker01")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # testing config; production adds it (below)


def test_production_config_passes_the_deploy_check(monkeypatch):
    config = {k: getattr(ProductionConfig, k) for k in dir(ProductionConfig) if k.isupper()}
    config["SECRET_KEY"] = GENERATED_KEY
    assert check_deploy(config) == []
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax" and not config["DEMO_MODE"]


def test_production_refuses_a_long_but_trivial_secret_key():
    config = {k: getattr(ProductionConfig, k) for k in dir(ProductionConfig) if k.isupper()}
    for trivial in ("a" * 32, "ab" * 24, "0123456789" * 4):
        config["SECRET_KEY"] = trivial
        assert any("SECRET_KEY 过于简单" in p for p in check_deploy(config)), trivial


@pytest.mark.parametrize("config_class", [DemoConfig, TestingConfig])
def test_demo_and_testing_configs_fail_the_deploy_check(config_class):
    config = {k: getattr(config_class, k) for k in dir(config_class) if k.isupper()}
    problems = check_deploy(config)
    assert any("DEMO_MODE" in p for p in problems)


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_CONFIG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": "dev-only-not-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_production_sets_secure_cookies(tmp_path):
    app = create_app({"CONFIG_NAME": "production", "SECRET_KEY": GENERATED_KEY,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DEMO_MODE"] is False


def test_htmx_is_vendored_and_configured_for_the_csp(auth):
    page = auth.client.get("/login").get_data(as_text=True)
    assert "/static/vendor/htmx-2.0.11.min.js" in page
    assert '"allowEval":false' in page and '"includeIndicatorStyles":false' in page
    assert '"historyCacheSize":0' in page and '"selfRequestsOnly":true' in page
    assert "<script>" not in page and "style=" not in page
    assert auth.client.get("/static/vendor/htmx-2.0.11.min.js").status_code == 200


def test_a_tiny_png_of_fifty_six_megapixels_is_refused_before_decoding():
    import struct
    import zlib

    from portal import uploads

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    width = height = 7_500  # 56 MP in a few kB (Pillow itself only warns from 89 MP)
    raw = zlib.compress(b"".join(b"\x00" + b"\x00" * width for _ in range(16)))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) \
        + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    assert len(png) < 20_000
    with pytest.raises(FieldErrors, match="像素过多"):
        uploads.check("门牌.png", png, 5 * 1024 * 1024, uploads.IMAGES)


def test_a_stored_photo_keeps_no_location_or_other_metadata(app):
    from io import BytesIO

    from PIL import Image

    from portal import uploads

    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0132] = "Maker", "Phone X", "2026:11:25 09:00:00"  # make, model, time
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(buffer, "JPEG", exif=exif)
    assert Image.open(BytesIO(buffer.getvalue())).getexif()
    with app.test_request_context():
        stored = uploads.store("inspections", "门.jpg", buffer.getvalue(), 5 * 1024 * 1024, uploads.IMAGES)
        kept = uploads.path_of("inspections", stored.stored_name).read_bytes()
    with Image.open(BytesIO(kept)) as image:
        assert image.size == (64, 48) and not image.getexif() and "exif" not in image.info


def test_lists_get_a_small_copy_of_each_photo(app, auth):
    from io import BytesIO

    from PIL import Image

    from tests.test_policy import inspection_objects

    with app.app_context():
        photo_id = inspection_objects()["photo"]
    auth.login("inspector")
    full = auth.client.get(f"/inspections/photos/{photo_id}")
    thumb = auth.client.get(f"/inspections/photos/{photo_id}?size=thumb")
    assert full.status_code == thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    with Image.open(BytesIO(thumb.data)) as small:
        assert max(small.size) <= 320
    outsider = Auth(app.test_client())
    outsider.login("fuda_worker01")
    assert outsider.client.get(f"/inspections/photos/{photo_id}?size=thumb").status_code == 403


# -- the session cookie, checked once per worker -------------------------------------------

def test_a_tampered_session_cookie_is_a_logged_out_visitor(app, auth):
    auth.login("fuyuan_secretary")
    assert auth.client.get("/").status_code == 200
    cookie = auth.client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    payload, signature = cookie.value.rsplit(".", 1)
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    auth.client.set_cookie(app.config["SESSION_COOKIE_NAME"], forged)
    for _ in range(2):  # a refused cookie is not kept either
        response = auth.client.get("/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_kept_session_cookie_still_expires_with_the_session_lifetime(app, auth, monkeypatch):
    """The cookie's signature is checked once and kept; its age is compared on every
    request, so a cookie older than PERMANENT_SESSION_LIFETIME is refused although the
    worker still holds it (the server-side login session is not what ends it here:
    the app's clock stands still)."""
    import time

    from portal import security

    auth.login("fuyuan_secretary")
    assert auth.client.get("/").status_code == 200
    lifetime = app.permanent_session_lifetime.total_seconds()
    real = time.time()
    monkeypatch.setattr(security.time, "time", lambda: real + lifetime - 60)
    assert auth.client.get("/").status_code == 200
    monkeypatch.setattr(security.time, "time", lambda: real + lifetime + 60)
    response = auth.client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_what_one_request_changes_in_its_session_stays_out_of_the_kept_cookie(app, auth):
    """Each request gets its own copy of the kept payload: a list in the session
    changed in place by one request (whose new cookie is not sent back) is unchanged
    in the next request with the same cookie."""
    from flask import session

    name = app.config["SESSION_COOKIE_NAME"]
    auth.login("fuyuan_secretary")
    with app.test_request_context("/", headers={"Cookie": f"{name}={auth.client.get_cookie(name).value}"}):
        session["probe"] = ["signed"]
        response = app.make_response("")
        app.session_interface.save_session(app, session, response)
    cookie = response.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]
    for _ in range(2):
        with app.test_request_context("/", headers={"Cookie": f"{name}={cookie}"}):
            assert session["probe"] == ["signed"]
            session["probe"].append("changed in this request only")
