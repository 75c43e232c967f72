"""The HTML report: content, escaping of untrusted manifest values, no network loads, and (when
a Chromium is installed) an offline render in a real browser."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from fakemedia import api
from fakemedia.cose.recipients import write_recipient_key
from fakemedia.present.html import CSP, MAX_DISPLAY_WIDTH, render_report, report_html

# es256 (tests/conftest.py): an identity with .signer and .anchors (its root, PEM).
WIDTH, HEIGHT = 320, 240
MAGENTA = (255, 0, 255)
PROB = {"value": 0.8, "method": "algorithmic", "name": "det", "version": "1", "calibrated": True}
FIRST = {"modification_types": ["edited"], "probability": PROB,
         "regions": [{"shape": "rectangle", "unit": "pixel", "x": 100, "y": 80, "width": 120,
                      "height": 90, "name": "sky"}]}
SECOND = {"modification_types": ["composed"], "purpose": "journalism", "probability": {**PROB, "value": 0.9},
          "regions": [
              {"shape": "circle", "unit": "percent", "x": 50, "y": 50, "width": 20, "probability": 0.7},
              {"shape": "rectangle", "unit": "percent", "x": 10, "y": 10, "width": 20, "height": 30},
              {"shape": "polygon", "unit": "pixel", "vertices": [[10, 10], [100, 10], [50, 90]]}]}
EVIL = "<script>alert(1)</script>"


def _jpeg(width: int = WIDTH, height: int = HEIGHT, colour: tuple[int, int, int] = MAGENTA) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", quality=95)
    return out.getvalue()


@pytest.fixture(scope="module")
def chain(es256: Any) -> bytes:
    """Two manifests, each with regions: FIRST then SECOND."""
    once = api.annotate_bytes(_jpeg(), FIRST, es256.signer)
    return api.annotate_bytes(once, SECOND, es256.signer)


@pytest.fixture(scope="module")
def tampered(chain: bytes) -> bytes:
    data = bytearray(chain)
    data[-200] ^= 0xFF  # inside the entropy-coded image data: the data hash no longer matches
    return bytes(data)


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text, of a page."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def of(self, *names: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag in names]


def _data_image(page: str) -> Image.Image:
    src = _Tags(page).of("img")[0]["src"] or ""
    assert src.startswith("data:image/jpeg;base64,")
    return Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))


# --- content --------------------------------------------------------------------------------


def test_chain_page_has_trusted_verdict_and_every_label_oldest_first(chain: bytes, es256: Any) -> None:
    report = api.verify_bytes(chain, trust_anchors=es256.anchors)
    page = render_report(report, chain)
    assert "Verdict: Trusted" in page
    labels = [c["label"] for c in report.history()["chain"]]
    assert len(labels) == 2 and labels[-1] == report.active_manifest
    positions = [page.index(label) for label in labels]
    assert positions == sorted(positions)
    assert page.index("Step 1:") < page.index("Step 2:") < page.index("current image")
    assert "0.80 → 0.90" in page  # the probability trend along the chain
    assert "journalism" in page and "composed" in page


def test_untrusted_signer_is_valid_in_plain_words(chain: bytes) -> None:
    page = render_report(api.verify_bytes(chain), chain)
    assert "Verdict: Valid — signer not in your trust list" in page
    assert "not in your trust list" in page and "Problems found" not in page


def test_regions_are_svg_shapes_in_the_image_pixel_space(chain: bytes) -> None:
    tags = _Tags(render_report(api.verify_bytes(chain), chain))
    (svg,) = tags.of("svg")
    assert svg["viewbox"] == f"0 0 {WIDTH} {HEIGHT}"
    rects = [(a["x"], a["y"], a["width"], a["height"]) for a in tags.of("rect")]
    # FIRST's pixel rectangle as is; SECOND's percent rectangle converted (10% of 320 = 32, …).
    assert rects == [("100", "80", "120", "90"), ("32", "24", "64", "72")]
    # A percent circle: centre at half the size, diameter 20% of the width → radius 32.
    assert [(a["cx"], a["cy"], a["r"]) for a in tags.of("circle")] == [("160", "120", "32")]
    assert [a["points"] for a in tags.of("polygon")] == ["10,10 100,10 50,90"]
    # One labelled group per region; the earlier step's regions are dashed.
    groups = tags.of("g")
    assert [g["data-ref"] for g in groups] == ["R1", "R2", "R3", "R4"]
    assert "stroke-dasharray" in tags.of("rect")[0] and "stroke-dasharray" not in tags.of("circle")[0]
    text = "".join(tags.text)
    assert "R1 · sky" in text and "R2 · p=0.70" in text


def test_tampered_file_shows_invalid_and_the_failure_codes(tampered: bytes) -> None:
    page = render_report(api.verify_bytes(tampered), tampered)
    assert "Verdict: Invalid" in page
    assert "Problems found" in page
    assert "assertion.dataHash.mismatch" in page
    assert "the image was changed after signing" in page
    assert 'badge badge-invalid' in page


def test_plain_jpeg_has_no_content_credentials() -> None:
    plain = _jpeg()
    page = render_report(api.verify_bytes(plain), plain)
    assert "No Content Credentials" in page
    assert "<svg" not in page and "Step 1" not in page
    assert _data_image(page).size == (WIDTH, HEIGHT)


def test_annotation_fields_and_references_with_hashes_are_shown(es256: Any) -> None:
    fields = {"modification_types": ["edited"], "author": "Desk editor", "description": "Sky replaced",
              "references": [{"url": "https://example.org/how", "hash_alg": "sha256", "hash": "ab" * 32,
                              "description": "method note"}],
              "ipr": {"creator": "A. Photographer", "copyright": "© 2024 Example", "licence": "CC-BY-4.0"},
              "origin": {"source": "staff", "device": "Camera X"}}
    signed = api.annotate_bytes(_jpeg(), fields, es256.signer)
    page = render_report(api.verify_bytes(signed), signed)
    for value in ("Desk editor", "Sky replaced", "ab" * 32, "method note", "A. Photographer",
                  "© 2024 Example", "CC-BY-4.0", "Camera X", "sha256"):
        assert value in page, value
    (link,) = [a for a in _Tags(page).of("a") if (a.get("href") or "").startswith("http")]
    assert link["href"] == "https://example.org/how"
    assert set((link["rel"] or "").split()) >= {"noopener", "noreferrer"}


def test_restricted_fields_are_counted_and_shown_only_with_the_key(es256: Any, tmp_path: Path) -> None:
    key, pub = write_recipient_key(tmp_path)
    options = api.AnnotateOptions(restrict=("author",), recipients=(pub.read_bytes(),))
    signed = api.annotate_bytes(_jpeg(), {"modification_types": ["edited"], "author": "Secret Source"},
                                es256.signer, options)
    locked = render_report(api.verify_bytes(signed), signed)
    assert "restricted (1 field, 1 recipient)" in locked
    assert "Secret Source" not in locked
    opened = render_report(api.verify_bytes(signed, decrypt_keys=[api.load_decrypt_key(key.read_bytes())]),
                           signed)
    assert "Secret Source" in opened and "decrypted" in opened


def test_large_images_are_downscaled_but_regions_keep_the_original_space(es256: Any) -> None:
    big = api.annotate_bytes(_jpeg(2400, 1200), FIRST, es256.signer)
    page = render_report(api.verify_bytes(big), big)
    shown = _data_image(page)
    assert shown.size == (MAX_DISPLAY_WIDTH, 800)
    assert _Tags(page).of("svg")[0]["viewbox"] == "0 0 2400 1200"


def test_an_undecodable_image_gets_a_placeholder(chain: bytes) -> None:
    page = render_report(api.verify_bytes(chain), b"\xff\xd8 not really a jpeg")
    assert "could not be displayed" in page
    assert "<img" not in page and "<svg" not in page
    assert "Step 2:" in page  # the credentials are reported all the same


def test_report_html_reads_a_path_and_names_the_file(chain: bytes, tmp_path: Path) -> None:
    path = tmp_path / "story.jpg"
    path.write_bytes(chain)
    page = report_html(path)
    assert "<title>Content Credentials report: story.jpg</title>" in page
    assert report_html(path, title="Desk check") != page
    # pure: same inputs, same page (the validation time shown is the one moving part: two
    # verifications may fall either side of a second)
    def untimed(text: str) -> str:
        return re.sub(r"at validation time [^<.;]+", "at validation time T", text)

    report = api.verify(path)
    assert render_report(report, chain) == render_report(report, chain)
    assert untimed(render_report(report, chain)) == untimed(page) and "at validation time T" in untimed(page)


def test_foreign_c2pa_file_renders_its_chain(shared_dir: Path) -> None:
    path = shared_dir / "fixtures" / "c2pa-rs" / "CACA.jpg"
    if not path.is_file():
        pytest.skip(f"c2pa-rs fixture not found at {path}")
    page = report_html(path)
    assert "Verdict: Valid" in page
    assert page.index("Step 1: CA.jpg") < page.index("Step 2: CACA.jpg")
    assert "enhanced" in page


# --- safety ---------------------------------------------------------------------------------


def _evil_image(es256: Any) -> bytes:
    fields = {"modification_types": ["edited"], "author": EVIL,
              "description": '"><img src=x onerror=alert(1)>',
              "references": [{"url": "javascript:alert(1)", "description": "<b>bold</b>"}],
              "regions": [{"shape": "rectangle", "unit": "pixel", "x": 1, "y": 1, "width": 5, "height": 5,
                           "name": "</text></svg><script>alert(2)</script>"}]}
    return api.annotate_bytes(_jpeg(), fields, es256.signer, api.AnnotateOptions(title=EVIL))


def test_manifest_values_are_escaped_never_markup(es256: Any) -> None:
    evil = _evil_image(es256)
    page = render_report(api.verify_bytes(evil), evil)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    tags = _Tags(page)
    assert EVIL in "".join(tags.text)  # shown to the reader, as text
    assert not tags.of("script", "b", "iframe", "object", "embed", "link", "base", "form")
    assert all(not name.startswith("on") for _, attrs in tags.tags for name in attrs)
    assert [a["src"][:5] for a in tags.of("img")] == ["data:"]  # the x of 'src=x' stayed text
    assert all((a.get("href") or "").startswith("#") for a in tags.of("a"))  # javascript: is not linked


def test_page_loads_nothing_and_declares_a_strict_csp(chain: bytes, es256: Any) -> None:
    evil = _evil_image(es256)
    for data in (chain, evil):
        page = render_report(api.verify_bytes(data), data)
        tags = _Tags(page)
        (meta,) = [m for m in tags.of("meta") if m.get("http-equiv") == "Content-Security-Policy"]
        assert meta["content"] == CSP == "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
        assert not tags.of("script", "link", "iframe", "object", "embed", "video", "audio", "source")
        for _, attrs in tags.tags:
            for name in ("src", "srcset", "poster", "data", "xlink:href", "background"):
                assert (attrs.get(name) or "data:").startswith("data:"), (name, attrs)
        for attrs in tags.of("a"):
            href = attrs.get("href") or ""
            assert href.startswith("#") or set((attrs.get("rel") or "").split()) >= {"noopener", "noreferrer"}
        lowered = page.lower()
        assert 'src="http' not in lowered and "url(" not in lowered and "@import" not in lowered


# --- in a real browser ----------------------------------------------------------------------

_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@pytest.fixture(scope="module")
def chromium() -> str:
    found = next((path for path in map(shutil.which, _BROWSERS) if path), None)
    if found is None:
        pytest.skip(f"no headless browser: none of {', '.join(_BROWSERS)} is on PATH "
                    "(Debian/Ubuntu: apt-get install chromium)")
    return found


def _browser(chromium: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with everything that could reach a network switched off."""
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={tmp / 'profile'}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def page_file(chain: bytes, es256: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("page") / "report.html"
    path.write_text(render_report(api.verify_bytes(chain, trust_anchors=es256.anchors), chain),
                    encoding="utf-8")
    return path


def test_chromium_renders_the_page_offline(chromium: str, page_file: Path, chain: bytes,
                                           es256: Any, tmp_path: Path) -> None:
    done = _browser(chromium, tmp_path, "--dump-dom", page_file.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "Verdict: Trusted" in dom
    labels = [c["label"] for c in api.verify_bytes(chain, trust_anchors=es256.anchors).history()["chain"]]
    positions = [dom.index(label) for label in labels]
    assert positions == sorted(positions)
    tags = _Tags(dom)
    assert len(tags.of("li")) >= 2 and "Step 2:" in dom
    assert tags.of("svg")[0]["viewbox"] == f"0 0 {WIDTH} {HEIGHT}"
    assert len(tags.of("rect")) == 2 and len(tags.of("circle")) == 1 and len(tags.of("polygon")) == 1


def _close(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def test_chromium_screenshot_shows_the_image_and_its_overlays(chromium: str, page_file: Path,
                                                              tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    done = _browser(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1200,1600",
                    "--hide-scrollbars", page_file.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 0
    with Image.open(shot) as im:
        rgb = im.convert("RGB")
        assert rgb.size == (1200, 1600)
        lo, hi = zip(*rgb.getextrema(), strict=True)
        assert max(hi) - min(lo) > 100  # not one flat colour
        colours = Counter({c: n for n, c in rgb.getcolors(rgb.width * rgb.height) or []})
    # The embedded image loaded (its magenta, allowed by img-src data:) and the overlays were
    # drawn in the first and second step's colours.
    assert sum(n for c, n in colours.items() if _close(c, MAGENTA)) > 10_000
    assert any(_close(c, (0xC1, 0x12, 0x1F), 30) for c in colours)
    assert any(_close(c, (0x0A, 0x4F, 0xBF), 30) for c in colours)


# --- two verdicts: provenance and content assessment, side by side, never mixed ---------------

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
DETECTOR = {"method": "algorithmic", "name": "fakemedia-detector", "version": "1", "calibrated": True}


def _section(page: str, ident: str) -> str:
    start = page.index(f'id="{ident}"')
    return page[start:page.index("</section>", start)]


@pytest.fixture(scope="module")
def two_cases(es256: Any) -> dict[str, tuple[bytes, Any]]:
    """A Trusted synthetic image (the bundled sample, P(synthetic) 0.99 recorded) and an Invalid
    real photograph (P(synthetic) 0.05 recorded, then its pixels changed after signing)."""
    synthetic = api.annotate_bytes((SAMPLES / "synthetic.jpg").read_bytes(),
                                   {"modification_types": ["synthetic"],
                                    "probability": {"value": 0.99, **DETECTOR}}, es256.signer)
    real = bytearray(api.annotate_bytes((SAMPLES / "astronaut.jpg").read_bytes(),
                                        {"modification_types": ["original"],
                                         "probability": {"value": 0.05, **DETECTOR}}, es256.signer))
    real[-200] ^= 0xFF
    return {"synthetic": (synthetic, api.verify_bytes(synthetic, trust_anchors=es256.anchors)),
            "real": (bytes(real), api.verify_bytes(bytes(real), trust_anchors=es256.anchors))}


def _check_two_verdicts(page: str, state: str, probability: str) -> None:
    provenance, assessment = _section(page, "provenance"), _section(page, "assessment")
    assert f"Verdict: {state}" in provenance
    assert "P(synthetic)" not in provenance and "probability" not in provenance.lower()
    assert f"P(synthetic) = {probability}" in assessment
    assert "by fakemedia-detector 1" in assessment and "not part of the provenance verdict" in assessment
    assert not any(word in assessment for word in ("Trusted", "Valid", "Invalid"))
    assert "Probability of modification" not in page


def test_headline_keeps_provenance_and_content_assessment_apart(two_cases: dict[str, Any]) -> None:
    synthetic, real = two_cases["synthetic"], two_cases["real"]
    assert synthetic[1].state == "Trusted" and real[1].state == "Invalid"
    _check_two_verdicts(render_report(synthetic[1], synthetic[0]), "Trusted", "0.99")
    _check_two_verdicts(render_report(real[1], real[0]), "Invalid", "0.05")


@pytest.mark.parametrize(("case", "state", "probability"),
                         [("synthetic", "Trusted", "0.99"), ("real", "Invalid", "0.05")])
def test_chromium_shows_two_separate_verdicts(chromium: str, two_cases: dict[str, Any], tmp_path: Path,
                                             case: str, state: str, probability: str) -> None:
    data, report = two_cases[case]
    page = tmp_path / "page.html"
    page.write_text(render_report(report, data), encoding="utf-8")
    done = _browser(chromium, tmp_path, "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    _check_two_verdicts(dom, state, probability)
    # Side by side: two sibling elements of one headline box.
    headline = dom[dom.index('class="headline"'):]
    assert headline.index('id="provenance"') < headline.index('id="assessment"')
