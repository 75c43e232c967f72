"""JPEG AI-style encoder: colour, shapes, quantiser structure, weights pinning and loading."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")

from fakemedia.detect import encoder as enc_mod  # noqa: E402
from fakemedia.detect.color import rgb_to_yuv709, yuv709_to_rgb  # noqa: E402
from fakemedia.detect.encoder import (  # noqa: E402
    RATE_POINTS,
    JpegAIStyleEncoder,
    encode_latents,
    encoder_sha256,
    load_encoder,
    seeded_encoder,
)
from fakemedia.errors import DetectorError, WeightsMismatch  # noqa: E402

torch.set_num_threads(2)


@pytest.fixture(scope="module")
def shipped() -> JpegAIStyleEncoder:
    return load_encoder(None)


def test_yuv709_known_values_and_round_trip() -> None:
    x = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]).T.reshape(1, 3, 1, 3)
    yuv = rgb_to_yuv709(x)
    assert torch.allclose(yuv[0, :, 0, 0], torch.tensor([1.0, 0.0, 0.0]), atol=1e-6)  # white
    assert torch.isclose(yuv[0, 0, 0, 1], torch.tensor(0.2126))  # red: BT.709 Kr
    assert torch.isclose(yuv[0, 2, 0, 1], torch.tensor(0.5))  # red: V at its maximum
    assert torch.isclose(yuv[0, 1, 0, 2], torch.tensor(0.5))  # blue: U at its maximum
    rnd = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(yuv709_to_rgb(rgb_to_yuv709(rnd)), rnd, atol=1e-5)


@pytest.mark.parametrize("size", [64, 256])
def test_latent_shapes(shipped: JpegAIStyleEncoder, size: int) -> None:
    x = torch.rand(2, 3, size, size)
    with torch.inference_mode():
        out = shipped(x, rate=0)
    g = size // 16
    assert set(out) == {"y_Y", "y_UV", "yhat_Y", "yhat_UV"}
    assert out["y_Y"].shape == out["yhat_Y"].shape == (2, 160, g, g)
    assert out["y_UV"].shape == out["yhat_UV"].shape == (2, 96, g, g)


def test_non_square_and_bad_sizes(shipped: JpegAIStyleEncoder) -> None:
    with torch.inference_mode():
        out = shipped(torch.rand(1, 3, 80, 48))
    assert out["y_Y"].shape == (1, 160, 5, 3)
    with pytest.raises(DetectorError):
        shipped(torch.rand(1, 3, 40, 48))
    with pytest.raises(DetectorError):
        shipped(torch.rand(1, 3, 64, 64), rate=len(RATE_POINTS))


def test_yhat_structure_and_rate_points(shipped: JpegAIStyleEncoder) -> None:
    x = torch.rand(1, 3, 128, 128, generator=torch.Generator().manual_seed(3))
    with torch.inference_mode():
        lo = shipped.analyse(x, rate=RATE_POINTS[0])
        hi = shipped.analyse(x, rate=RATE_POINTS[-1])
    # y is the analysis output: the rate point only changes the quantiser.
    assert torch.equal(lo["y_Y"], hi["y_Y"])
    assert not torch.allclose(lo["yhat_Y"], hi["yhat_Y"])
    assert not torch.allclose(lo["yhat_UV"], hi["yhat_UV"])
    for out, rate in ((lo, RATE_POINTS[0]), (hi, RATE_POINTS[-1])):
        for comp, branch in (("Y", shipped.branch_Y), ("UV", shipped.branch_UV)):
            g = branch.gain(rate).detach()
            sym = out[f"sym_{comp}"]
            assert torch.equal(sym, torch.round(sym))  # integer symbols
            assert torch.allclose(out[f"yhat_{comp}"], out[f"mu_{comp}"] + sym / g, atol=1e-5)
            coded = g * out[f"sigma_{comp}"] >= shipped.config.skip_sigma
            expect = torch.round(g * (out[f"y_{comp}"] - out[f"mu_{comp}"]))
            assert torch.equal(sym[coded], expect[coded])
            assert bool((sym[~coded] == 0).all())
    # Higher rate -> finer quantiser -> ŷ closer to y.
    err_lo = (lo["yhat_Y"] - lo["y_Y"]).pow(2).mean()
    err_hi = (hi["yhat_Y"] - hi["y_Y"]).pow(2).mean()
    assert err_hi < err_lo


def test_shipped_weights_are_trained_and_pinned(shipped: JpegAIStyleEncoder) -> None:
    entry = enc_mod.ZOO[enc_mod.DEFAULT_MODEL]
    path = enc_mod.default_weights_path()
    assert path is not None, "shipped weights missing"
    assert not shipped.weights_id.startswith("UNTRAINED")
    assert encoder_sha256(None) == entry["sha256"] == shipped.weights_sha256
    assert len(entry["sha256"]) == 64


def test_flipped_byte_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = enc_mod.default_weights_path()
    assert src is not None
    dst = tmp_path / src.name
    shutil.copyfile(src, dst)
    data = bytearray(dst.read_bytes())
    data[len(data) // 2] ^= 0x01
    dst.write_bytes(bytes(data))
    monkeypatch.setattr(enc_mod, "_weights_dir", lambda: tmp_path)
    with pytest.raises(WeightsMismatch) as err:
        load_encoder(None)
    assert "\n" not in str(err.value)


class _Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, ("touch EVIL_SENTINEL",))


def test_foreign_and_malicious_files_are_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}" + bytes(64))
    with pytest.raises(DetectorError):
        load_encoder(junk)
    evil = tmp_path / "evil.pt"
    torch.save({"w": _Evil()}, evil)
    with pytest.raises(DetectorError) as err:
        load_encoder(evil)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "EVIL_SENTINEL").exists()
    wrong = tmp_path / "wrong.pt"
    torch.save({"conv.weight": torch.zeros(3, 3)}, wrong)
    with pytest.raises(DetectorError):
        load_encoder(wrong)
    with pytest.raises(DetectorError):
        load_encoder(tmp_path / "missing.safetensors")


def test_torch_state_dict_round_trip(tmp_path: Path) -> None:
    ref = seeded_encoder(5)
    path = tmp_path / "enc.pt"
    torch.save(ref.state_dict(), path)
    got = load_encoder(path)
    x = torch.rand(1, 3, 64, 64)
    with torch.inference_mode():
        assert torch.equal(ref(x)["yhat_Y"], got(x)["yhat_Y"])
    assert got.weights_sha256 == encoder_sha256(path)


def test_encode_latents_numpy(shipped: JpegAIStyleEncoder) -> None:
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(3, 64, 64, 3), dtype=np.uint8)
    a = encode_latents(imgs, encoder=shipped, batch_size=2)
    b = encode_latents(imgs.astype(np.float32) / 255.0, encoder=shipped, batch_size=3, rate=0)
    assert a["y_Y"].dtype == np.float32 and a["y_Y"].shape == (3, 160, 4, 4)
    assert a["yhat_UV"].shape == (3, 96, 4, 4)
    np.testing.assert_allclose(a["y_Y"], b["y_Y"], atol=1e-5)
    with pytest.raises(DetectorError):
        encode_latents(imgs[:, :60], encoder=shipped)


def test_unquantised_latents_are_the_same_y_without_yhat(shipped: JpegAIStyleEncoder) -> None:
    imgs = np.random.default_rng(1).integers(0, 256, size=(2, 64, 48, 3), dtype=np.uint8)
    full = encode_latents(imgs, encoder=shipped)
    y_only = encode_latents(imgs, encoder=shipped, quantised=False)
    assert set(y_only) == {"y_Y", "y_UV"}
    for k in y_only:
        np.testing.assert_array_equal(y_only[k], full[k])
    with pytest.raises(DetectorError):
        encode_latents(imgs[:, :60], encoder=shipped, quantised=False)


def _fake_compressai_state(n: int = 8, m: int = 12) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(7)
    ped = torch.tensor(2.0**-36)
    state: dict[str, torch.Tensor] = {}
    cin = 3
    for i in (0, 2, 4, 6):
        cout = m if i == 6 else n
        state[f"g_a.{i}.weight"] = torch.randn(cout, cin, 5, 5, generator=g) * 0.1
        state[f"g_a.{i}.bias"] = torch.randn(cout, generator=g) * 0.1
        cin = cout
    for i in (1, 3, 5):
        # Some raw β below the bound: the reparametrisation must clamp them.
        state[f"g_a.{i}.beta"] = torch.rand(n, generator=g) * 1.5 - 0.2
        state[f"g_a.{i}.gamma"] = torch.rand(n, n, generator=g) * 0.5
        for name, lo in (("beta", (1e-6 + 2.0**-36) ** 0.5), ("gamma", 2.0**-18)):
            state[f"g_a.{i}.{name}_reparam.pedestal"] = ped
            state[f"g_a.{i}.{name}_reparam.lower_bound.bound"] = torch.tensor(lo)
    state["h_a.0.weight"] = torch.zeros(1)  # other parts of a full model are ignored
    return state


def test_compressai_g_a_loader(tmp_path: Path) -> None:
    state = _fake_compressai_state()
    path = tmp_path / "bmshj2018.pth"
    torch.save(state, path)
    with pytest.raises(DetectorError):
        load_encoder(path)  # not a JpegAIStyleEncoder file
    model = enc_mod.load_any_encoder(path)
    assert isinstance(model, enc_mod.CompressAIAnalysis)
    x = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    # Reference computed straight from the stored tensors: effective = max(p, bound)² − pedestal.
    h = x
    for i in (0, 2, 4, 6):
        h = torch.nn.functional.conv2d(h, state[f"g_a.{i}.weight"], state[f"g_a.{i}.bias"], 2, 2)
        if i < 6:
            j = i + 1
            ped = state[f"g_a.{j}.beta_reparam.pedestal"]
            beta = torch.maximum(state[f"g_a.{j}.beta"], state[f"g_a.{j}.beta_reparam.lower_bound.bound"]) ** 2 - ped  # noqa: E501
            gamma = torch.maximum(state[f"g_a.{j}.gamma"], state[f"g_a.{j}.gamma_reparam.lower_bound.bound"]) ** 2 - ped  # noqa: E501
            c = gamma.shape[0]
            h = h / torch.sqrt(torch.nn.functional.conv2d(h * h, gamma.view(c, c, 1, 1), beta))
    with torch.inference_mode():
        out = model(x)
    assert out["y_Y"].shape == (1, 12, 2, 2) and out["y_UV"].shape[1] == 0
    assert torch.allclose(out["y_Y"], h, atol=1e-5)
    assert torch.equal(out["yhat_Y"], torch.round(out["y_Y"]))
