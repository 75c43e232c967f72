"""softbinding sits above manifest/ and formats/ and below api.py; the manifest builder for soft
bindings imports nothing above manifest/; importing the package loads no model runtime."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.test_layering import _violations


def test_layering_softbinding_imports_no_upper_layer_or_detector() -> None:
    assert not _violations("softbinding", ("fakemedia.api", "fakemedia.batch", "fakemedia.cli",
                                           "fakemedia.detect", "fakemedia.htmlreport"))


def test_layering_manifest_does_not_import_softbinding() -> None:
    assert not _violations("manifest", ("fakemedia.softbinding",))


def test_layering_repository_and_recovery_load_no_onnxruntime() -> None:
    script = ("import sys, json; import fakemedia.softbinding.recovery, fakemedia.softbinding.binding; "
              "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
              "('onnxruntime', 'torch', 'sklearn'))))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
