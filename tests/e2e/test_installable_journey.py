"""Installable, checked in Chromium (issue 18, "Done when"): the page links the
manifest, the service worker registers and controls the page, and the start URL
opens without a connection from the kept shell, saying that it is a saved copy."""
from playwright.sync_api import expect

from .conftest import PHONE
from .test_journeys import logged_in, screenshot


def test_the_start_url_opens_offline_with_the_kept_shell(pages, screenshots_dir):
    phone = pages.new("phone", **PHONE)
    logged_in(phone, "fuyuan_worker04")
    manifest = phone.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())")
    assert manifest["name"] == "青山区社区网格工作门户"
    phone.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.ready.then(() => true)")
    phone.reload()  # now under the worker's control: it keeps this 我的状态
    phone.wait_for_function("() => !!navigator.serviceWorker.controller")
    phone.wait_for_timeout(500)

    phone.context.set_offline(True)
    phone.goto(manifest["start_url"])
    expect(phone.locator(".offline-banner")).to_contain_text("当前没有网络")
    expect(phone.locator("#me-panel")).to_contain_text("我的状态")
    screenshot(phone, screenshots_dir, "installable-offline-start-390")
    phone.context.set_offline(False)
