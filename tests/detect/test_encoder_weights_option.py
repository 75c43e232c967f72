"""``--encoder-weights PATH``: other encoder weights, recorded and enforced by SHA-256."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakemedia.cli import main

pytest.importorskip("torch")

pytestmark = pytest.mark.detect

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture(autouse=True)
def _restore_default_weights() -> Iterator[None]:
    # The option sets a process-wide override; CliRunner runs in this process.
    yield
    from fakemedia.detect.encoder import use_encoder_weights

    use_encoder_weights(None)


def _detect(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["detect", str(SAMPLES / "synthetic.jpg"), *args])
    return result.exit_code, result.stdout, result.stderr


def test_encoder_weights_shipped_file_gives_the_default_score() -> None:
    from fakemedia.detect.encoder import default_weights_path

    plain = _detect("--json")
    explicit = _detect("--json", "--encoder-weights", str(default_weights_path()))
    assert plain[0] == explicit[0] == 0
    assert plain[1] == explicit[1]


def test_encoder_weights_other_weights_refused_by_the_default_model(tmp_path: Path) -> None:
    # A model records the encoder it was trained with: different weights are refused (exit 6).
    from safetensors.torch import save_file

    from fakemedia.detect.encoder import seeded_encoder

    other = tmp_path / "other.safetensors"
    save_file({k: v.contiguous() for k, v in seeded_encoder(1).state_dict().items()}, str(other))
    code, _, err = _detect("--encoder-weights", str(other))
    assert code == 6
    assert err.count("\n") == 1 and err.startswith("fakemedia: error:")


def test_encoder_weights_corrupt_file_is_one_line_exit_6(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.safetensors"
    bogus.write_bytes(b"\x00" * 64)
    code, _, err = _detect("--encoder-weights", str(bogus))
    assert code == 6
    assert err.count("\n") == 1 and "Traceback" not in err
