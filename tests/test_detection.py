"""The detector boundary: availability without importing the stack, one error for its absence,
one load per process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from fakemedia import detection
from fakemedia.errors import DetectorError, DetectorUnavailable, FakemediaError


def _python(code: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_available_looks_the_stack_up_without_importing_it() -> None:
    out = _python("""
        import json, sys
        from fakemedia import detection
        ok = detection.available()
        print(json.dumps({"ok": ok, "torch": "torch" in sys.modules}))
    """)
    assert out["torch"] is False
    assert out["ok"] is all(__import__("importlib.util").util.find_spec(m) for m in detection.STACK)


def test_available_is_false_when_one_module_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name))
    assert detection.available() is False
    assert detection.limit_threads(1) is None  # nothing to limit, and no ImportError


def test_a_missing_stack_is_one_line_naming_the_extra() -> None:
    # torch made unimportable in a fresh process: the same path as a base install.
    out = _python("""
        import json, sys
        sys.modules["torch"] = None
        from fakemedia import detection
        from fakemedia.errors import DetectorUnavailable
        try:
            detection.load_detector()
        except DetectorUnavailable as exc:
            print(json.dumps({"message": str(exc), "code": exc.exit_code, "missing": exc.missing}))
    """)
    assert out["code"] == 6 and out["missing"] == "torch"
    assert out["message"] == "detection needs torch, which is not installed: pip install 'fakemedia[detect]'"


def test_detector_unavailable_is_a_detector_error_with_a_default_message() -> None:
    err = DetectorUnavailable()
    assert isinstance(err, DetectorError) and isinstance(err, FakemediaError)
    assert "pip install 'fakemedia[detect]'" in str(err) and "\n" not in str(err)


@pytest.mark.detect
def test_the_detector_loads_once_and_scores_bytes() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("safetensors")
    import io

    import numpy as np
    from PIL import Image

    first = detection.load_detector()
    assert detection.load_detector() is first and detection.load_detector(None) is first
    buf = io.BytesIO()
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(buf, format="PNG")
    result = first.score(buf.getvalue())
    assert 0 <= result.probability <= 1 and result.model_sha256 == first.model.sha256


@pytest.mark.detect
def test_limit_threads_caps_without_raising_and_sets_exactly_when_asked() -> None:
    torch = pytest.importorskip("torch")
    from fakemedia.detect.runtime import limit_threads

    before = torch.get_num_threads()
    try:
        assert limit_threads(1) == 1 == torch.get_num_threads()
        assert limit_threads() == 1  # the default never raises a count already set
        assert detection.limit_threads(1) == 1
    finally:
        torch.set_num_threads(before)
