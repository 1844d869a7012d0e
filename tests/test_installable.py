"""Installable (issue 18, Part 1), Lighthouse-style: the manifest names the portal in
Chinese, opens on 我的状态 (the home page), has the portal's icons at the sizes it
claims and a theme colour; the service worker comes from the portal's own origin
with a scope of the whole site, under the same CSP (no unsafe-inline or eval)."""
import struct

from portal.pwa.views import SHELL


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_manifest_has_what_an_install_needs(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["name"] == "青山区社区网格工作门户" and manifest["short_name"] == "青山网格"
    assert manifest["display"] == "standalone" and manifest["theme_color"] == "#b4232a"
    assert manifest["start_url"].startswith("/") and manifest["scope"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes and any(i["purpose"] == "maskable" for i in manifest["icons"])
    for icon in manifest["icons"]:
        body = client.get(icon["src"]).data
        if icon["type"] == "image/png":
            width, height = png_size(body)
            assert f"{width}x{height}" == icon["sizes"], icon
        else:
            assert b"<svg" in body


def test_the_start_url_is_the_workers_status_page(auth):
    auth.login("fuyuan_worker01")
    page = auth.client.get("/?from=app").get_data(as_text=True)
    assert "我的状态" in page and 'rel="manifest"' in page


def test_the_service_worker_is_served_from_the_origin_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    script = response.get_data(as_text=True)
    assert script.startswith("const RELEASE = ") and "/static/css/portal.css" in script
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_every_shell_file_exists(client):
    for name in SHELL:
        assert client.get(f"/static/{name}").status_code == 200, name
