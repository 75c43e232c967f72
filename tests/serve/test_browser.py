"""The page in a real headless Chromium (Debian's package, driven by Selenium through the system
chromedriver: nothing is downloaded): uploads through the file input, rendered verdicts, the
history, no console errors, a screenshot that is not blank, and the form without JavaScript."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from .conftest import Server, peer

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium missing: pip install selenium")
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def _driver(tmp: Path, *, javascript: bool = True) -> Any:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("no system Chromium and chromedriver (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1600", f"--user-data-dir={tmp}", "--no-first-run"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    # An explicit driver path: Selenium Manager never runs, so nothing is fetched.
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[Any]:
    driver = _driver(tmp_path / "profile")
    try:
        yield driver
    finally:
        driver.quit()


def _upload_and_wait(driver: Any, path: Path, previous: str | None) -> str:
    """Choose ``path`` in the file input (the page's script sends it) and wait for a new result."""
    d = driver
    d.find_element(By.ID, "file").send_keys(str(path))

    def fresh(drv: Any) -> str | bool:
        try:
            found = drv.find_elements(By.ID, "outcome")
            text = str(found[0].text) if found else ""
        except StaleElementReferenceException:  # replaced while being read
            return False
        return text if text and text != previous else False

    return str(WebDriverWait(d, 60).until(fresh))


def _severe(driver: Any) -> list[str]:
    entries = driver.get_log("browser")
    return [e["message"] for e in entries if e.get("level") == "SEVERE"]


def _not_blank(png: bytes) -> None:
    with Image.open(io.BytesIO(png)) as im:
        rgb = im.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20)
        assert rgb.size[0] > 200 and rgb.size[1] > 200
        assert colours is None or len(colours) > 50, "the screenshot is (nearly) one colour"
        spread = [hi - lo for lo, hi in rgb.getextrema()]  # type: ignore[misc]
        assert max(spread) > 100


def test_page_checks_three_files(server: Server, browser: Any, tmp_path: Path) -> None:
    d = browser
    d.get(server.url + "/")
    assert "Content Credentials" in d.title

    text = _upload_and_wait(d, peer("two-step-history.jpg"), None)
    assert d.find_element(By.ID, "provenance-state").text == "Trusted"
    assert d.find_element(By.ID, "assessment").is_displayed()
    steps = d.find_elements(By.CSS_SELECTOR, "#chain > li")
    assert len(steps) == 2
    assert d.find_elements(By.CSS_SELECTOR, "#tree details")
    assert "Every signature verifies" in text  # the trust profile's result
    png = d.get_screenshot_as_png()
    (tmp_path / "trusted.png").write_bytes(png)
    _not_blank(png)

    text = _upload_and_wait(d, peer("tampered-pixels.jpg"), text)
    assert d.find_element(By.ID, "provenance-state").text == "Invalid"
    assert "assertion.dataHash.mismatch" in d.find_element(By.ID, "problems").text
    assert len(d.find_elements(By.CSS_SELECTOR, "#chain > li")) == 1

    _upload_and_wait(d, peer("unsigned.jpg"), text)
    assert d.find_element(By.ID, "provenance-state").text == "No Content Credentials"
    assert not d.find_elements(By.ID, "chain")
    assert d.find_element(By.ID, "download-json").get_attribute("href").startswith(
        "data:application/json;base64,")
    assert _severe(d) == []


def test_form_works_without_javascript(server: Server, tmp_path: Path) -> None:
    driver = _driver(tmp_path / "nojs", javascript=False)
    try:
        driver.get(server.url + "/")
        driver.find_element(By.ID, "file").send_keys(str(peer("signed-es256.jpg")))
        driver.find_element(By.ID, "submit").click()
        WebDriverWait(driver, 60).until(lambda drv: drv.find_elements(By.ID, "provenance-state"))
        assert driver.current_url.endswith("/verify")
        assert driver.find_element(By.ID, "provenance-state").text == "Trusted"
        assert _severe(driver) == []
    finally:
        driver.quit()
