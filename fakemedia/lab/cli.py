"""``fakemedia-lab``: the research and training commands (needs the ``lab`` extra).

``train``, ``evaluate`` and ``experiment`` fit and measure detectors; ``benchmark`` builds the
offline real-vs-synthetic benchmark; ``train-codec`` trains the JPEG AI-style codec whose
analysis transform the detector uses. scikit-learn, torch and the lab modules are imported inside
the commands, so ``--help`` works without them. A deliberate
:class:`~fakemedia.errors.FakemediaError` becomes one ``fakemedia-lab: error: …`` line and the
exit code of its class.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from fakemedia.errors import DetectorError, FakemediaError

_KINDS = ["flatten", "single", "patches", "pooled", "spectral", "pooled+spectral"]

#: What the lab needs beyond the base install (torch and safetensors come with ``detect``).
_LAB_STACK = ("torch", "safetensors", "sklearn")


def _need_lab_extra() -> None:
    import importlib.util

    for name in _LAB_STACK:
        if importlib.util.find_spec(name) is None:
            raise DetectorError(f"the lab commands need {name}, which is not installed: "
                                "pip install 'fakemedia[lab]'")


def _limit_threads(n: int | None = None) -> None:
    from fakemedia.detect.runtime import limit_threads as limit

    limit(n)


def _cache_dir(data: Path, cache: str | None) -> Path | None:
    if cache == "none":
        return None
    if cache:
        return Path(cache)
    base = data if data.is_dir() else data.parent
    return base / ".fakemedia-cache"


def _round(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()}


def _use_encoder_weights(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None:
        from fakemedia.detect.encoder import use_encoder_weights

        use_encoder_weights(value)
    return value


#: ``--encoder-weights PATH``: other weights for the JPEG AI-style encoder (our architecture;
#: safetensors or a torch state_dict loaded with weights_only). Models record the encoder's
#: SHA-256, so a model trained with these weights must be run with them too.
encoder_weights_option = click.option(
    "--encoder-weights", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    callback=_use_encoder_weights, expose_value=False, is_eager=True, metavar="PATH",
    help="Encoder weights to use instead of the shipped ones (models record which they need).")


class LabGroup(click.Group):
    """Turns a FakemediaError into one line on stderr and its class's exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FakemediaError as exc:
            click.echo(f"fakemedia-lab: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=LabGroup)
def lab() -> None:
    """Train, measure and build the fakemedia detector (research tools)."""


def _sources(data: Path, *, size: int, limit: int | None, cache: str | None, progress: bool = True) -> Any:
    from fakemedia.lab.data import read_dataset

    return read_dataset(data, limit), _cache_dir(data, cache)


@lab.command()
@click.argument("data", type=click.Path(exists=False, path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Model file to write (.safetensors).",
)
@click.option(
    "--features",
    "kind",
    type=click.Choice(_KINDS),
    default="pooled+spectral",
    show_default=True,
    help="Image features (pooled+spectral = pooled latent statistics AND the radial spectrum).",
)
@click.option("--components", type=click.Choice(["Y", "YUV"]), default="YUV", show_default=True)
@click.option("--latent", type=click.Choice(["y", "yhat"]), default="y", show_default=True)
@click.option("--rate", type=int, default=0, show_default=True, help="Encoder rate point.")
@click.option(
    "--classifier",
    type=click.Choice(["stack", "logreg", "rf", "hgb"]),
    default="stack",
    show_default=True,
    help="stack (pooled+spectral only): one logistic regression per feature block, combined by a "
    "calibrated logistic regression.",
)
@click.option(
    "--calibration", type=click.Choice(["isotonic", "sigmoid", "none"]), default="isotonic", show_default=True
)
@click.option("--size", type=int, default=256, show_default=True, help="Training image side (pixels).")
@click.option("--limit", type=int, default=None, help="Use the first N/2 images of each class.")
@click.option("--quick", is_flag=True, help="Shrink the hyper-parameter search.")
@click.option("--no-search", is_flag=True, help="Skip the search; fit the preset parameters.")
@click.option("--no-patch-map", is_flag=True, help="Do not train the per-patch map classifier.")
@click.option(
    "--cache", default=None, help="Latent cache folder ('none' to disable); default DATA/.fakemedia-cache."
)
@click.option(
    "--name", default="fakemedia-detector", show_default=True, help="Model name recorded in the file."
)
@click.option("--model-version", default="1", show_default=True,
              help="Model version recorded in the file (shown beside the name wherever a score is).")
@click.option("--augment", type=click.Choice(["none", "newsroom"]), default="none", show_default=True,
              help="newsroom: add seeded processed copies of the training images (crop 70-100 %, "
                   "resize 40-100 %, JPEG q 60-95), in their sources' groups.")
@click.option("--augment-copies", type=int, default=2, show_default=True, help="Copies per training image.")
@click.option("--augment-seed", type=int, default=0, show_default=True)
@click.option("--max-real-fp", type=float, default=None, metavar="F",
              help="Record a decision threshold: the smallest >= 0.5 at which at most F of the training "
                   "real images, each scored by a fit without its group, are called synthetic.")
@click.option("--patch-context", type=click.Choice(["none", "relative", "local"]), default="none",
              show_default=True,
              help="relative: the patch map sees each position beside its difference from the image's "
                   "median position; local: its neighbourhood and pixel residuals likewise "
                   "(see train-localiser). Both are fitted on real images and composites only.")
@click.option("--patch-positions", type=click.IntRange(1, 4096), default=15, show_default=True,
              help="Latent positions per training image the patch map is fitted on (the same "
                   "seeded positions in every image).")
@click.option("--json", "as_json", is_flag=True, help="Print the training report as JSON.")
@encoder_weights_option
def train(data: Path, out: Path, kind: str, components: str, latent: str, rate: int, classifier: str,
          calibration: str, size: int, limit: int | None, quick: bool, no_search: bool, no_patch_map: bool,
          cache: str | None, name: str, model_version: str, augment: str, augment_copies: int,
          augment_seed: int, max_real_fp: float | None, patch_context: str, patch_positions: int,
          as_json: bool) -> None:  # fmt: skip
    """Train a detector on DATA and write it to --out.

    DATA is a folder with real/ and fake/ sub-folders, a folder with benchmark.csv, or a CSV
    file with columns path,label (1 = real, 0 = fake; paths relative to the CSV). When the data
    has a split column only the train part is used and the test part is scored.
    """
    _need_lab_extra()
    _limit_threads()
    from fakemedia.detect.features import FeatureConfig
    from fakemedia.lab.compile import save_model
    from fakemedia.lab.experiment import FeatureSource, evaluate_model, train_detector

    ds, cache_dir = _sources(data, size=size, limit=limit, cache=cache)
    tr_ds = ds.split("train") if ds.splits is not None else ds
    te_ds = ds.split("test") if ds.splits is not None and "test" in set(ds.splits.tolist()) else None
    feats = FeatureConfig(kind=kind, components=components, latent=latent, rate=rate)
    tr = FeatureSource.load(tr_ds, size=size, cache_dir=cache_dir, progress=True)
    fit_on, extra = tr, None
    if augment == "newsroom":
        from fakemedia.lab.augment import augment_newsroom

        aug_ds, aug_imgs = augment_newsroom(tr.ds, tr.images, copies=augment_copies, seed=augment_seed)
        fit_on = FeatureSource(aug_ds, aug_imgs, cache_dir, tr.get_encoder(), True)
        extra = {"augmentation": {"kind": "newsroom", "copies": augment_copies, "seed": augment_seed,
                                  "crop": [0.7, 1.0], "resize": [0.4, 1.0], "jpeg_quality": [60, 95]}}
    model, info = train_detector(fit_on, features=feats, classifier=classifier, search=not no_search,
                                 quick=quick, calibration=calibration, patch_map=not no_patch_map, name=name,
                                 version=model_version, extra_meta=extra, patch_train=tr,
                                 patch_context=patch_context,
                                 patch_positions_per_image=patch_positions)  # fmt: skip
    report: dict[str, Any] = {"model": str(out), "features": feats.label(), "classifier": classifier, **info}
    if max_real_fp is not None:
        from fakemedia.lab.experiment import _fit
        from fakemedia.lab.threshold import choose_threshold, out_of_group_probabilities, threshold_report

        def refit(X: Any, y: Any, g: Any) -> Any:  # the chosen parameters, refitted without one group
            kw = {"params": info["best_params"]} if info["best_params"] else {}
            return _fit(feats, classifier, X, y, g, search=False, calibration=calibration, **kw)

        p_oof, _ = out_of_group_probabilities(fit_on.features(feats), fit_on.labels, fit_on.groups, refit)
        t = choose_threshold(p_oof, fit_on.labels, max_real_fp)
        model.meta["decision_threshold"] = t
        model.meta["threshold_selection"] = {"max_real_fp": max_real_fp, "by": "leave-one-group-out",
                                             **threshold_report(p_oof, fit_on.labels, t)}
        report["threshold"] = model.meta["threshold_selection"]
    if te_ds is not None:
        te = FeatureSource.load(te_ds, size=size, cache_dir=cache_dir, encoder=tr.encoder, progress=True)
        m = evaluate_model(model, te)
        m.pop("probabilities")
        model.meta["metrics"] = {"split": "test", **_round(m)}
        report["test"] = model.meta["metrics"]
    report["sha256"] = save_model(model, out)
    if as_json:
        click.echo(json.dumps(report))
    else:
        click.echo(f"wrote {out} (sha256 {report['sha256']})")
        click.echo(f"features {feats.label()}, classifier {classifier}, trained in {info['image_train_s']} s")
        if "test" in report:
            t = report["test"]
            click.echo(f"test: accuracy {t['accuracy']:.3f}, ROC AUC {t['roc_auc']:.3f}, ECE {t['ece']:.3f} "
                       f"({t['n']} images)")  # fmt: skip


@lab.command()
@click.argument("data", type=click.Path(exists=False, path_type=Path))
@click.option(
    "--model",
    "model_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Model file; default: the shipped model.",
)
@click.option(
    "--split",
    type=click.Choice(["auto", "test", "train", "all"]),
    default="auto",
    show_default=True,
    help="Which part of DATA to score (auto: test when DATA has a split column, else all).",
)
@click.option("--size", type=int, default=None, help="Image side; default: the model's training size.")
@click.option("--limit", type=int, default=None, help="Use the first N/2 images of each class.")
@click.option(
    "--confusion",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the confusion matrix as a PNG.",
)
@click.option("--cache", default=None, help="Latent cache folder ('none' to disable).")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@encoder_weights_option
def evaluate(data: Path, model_path: Path | None, split: str, size: int | None, limit: int | None,
             confusion: Path | None, cache: str | None, as_json: bool) -> None:  # fmt: skip
    """Accuracy, ROC AUC and ECE (15 bins) of a model on DATA."""
    _need_lab_extra()
    _limit_threads()
    from fakemedia.detect.model import _check_encoder, load_default_model, load_model
    from fakemedia.lab.experiment import FeatureSource, evaluate_model

    model = load_model(model_path) if model_path else load_default_model()
    ds, cache_dir = _sources(data, size=size or model.image_size, limit=limit, cache=cache)
    if split == "auto":
        split = "test" if ds.splits is not None and "test" in set(ds.splits.tolist()) else "all"
    part = ds if split == "all" else ds.split(split)
    src = FeatureSource.load(part, size=size or model.image_size, cache_dir=cache_dir, progress=True)
    if model.features.uses_latents:
        _check_encoder(model, src.get_encoder())
    m = evaluate_model(model, src)
    m.pop("probabilities")
    m = {"data": str(data), "split": split, "model": model.name, "model_sha256": model.sha256, **_round(m)}
    if confusion is not None:
        from fakemedia.lab.plots import confusion_png

        confusion_png(m["confusion"], confusion, title=f"{model.name} on {Path(data).name} ({split})")
        m["confusion_png"] = str(confusion)
    if as_json:
        click.echo(json.dumps(m))
    else:
        cm = m["confusion"]
        click.echo(f"{m['n']} images ({split}): accuracy {m['accuracy']:.3f}, ROC AUC {m['roc_auc']:.3f}, "
                   f"ECE {m['ece']:.3f}, Brier {m['brier']:.3f}")  # fmt: skip
        click.echo(f"confusion (rows true real/synthetic, cols predicted): {cm[0]} {cm[1]}")


@lab.command()
@click.argument("data", type=click.Path(exists=False, path_type=Path))
@click.option("--quick", is_flag=True, help="Shrink the searches (4 random points, 1-parameter grid).")
@click.option("--no-search", is_flag=True, help="Fit preset parameters only (fastest).")
@click.option("--rates", default=None, help="Comma-separated rate points (default: all the encoder has).")
@click.option("--classifiers", default="rf,hgb", show_default=True, help="Comma-separated: rf, hgb.")
@click.option(
    "--kinds",
    default="flatten,single,patches",
    show_default=True,
    help="Comma-separated latent feature kinds of the grid.",
)
@click.option("--size", type=int, default=256, show_default=True)
@click.option("--limit", type=int, default=None, help="Use the first N/2 images of each class.")
@click.option(
    "--csv",
    "csv_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the table as CSV.",
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Bar chart of accuracy (PNG).",
)
@click.option("--cache", default=None, help="Latent cache folder ('none' to disable).")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON instead of Markdown.")
@encoder_weights_option
def experiment(data: Path, quick: bool, no_search: bool, rates: str | None, classifiers: str, kinds: str,
               size: int, limit: int | None, csv_out: Path | None, chart: Path | None, cache: str | None,
               as_json: bool) -> None:  # fmt: skip
    """The factor grid of Rustichini's thesis (2025) on DATA, as a Markdown table.

    classifier × rate × Y/YUV × flatten/single/N patches × y/ŷ, each with the thesis's search
    (randomised, then a narrow grid; group-aware CV) and isotonic calibration; then the spectral
    baseline and the pooled-statistics rows (including the default model's features). Test
    figures come from the data's own split, or a split by group.
    """
    _need_lab_extra()
    _limit_threads()
    from fakemedia.detect.encoder import RATE_POINTS
    from fakemedia.detect.features import FeatureConfig
    from fakemedia.lab.data import train_test
    from fakemedia.lab.experiment import FeatureSource, factor_grid, markdown_table, run_experiment

    ds, cache_dir = _sources(data, size=size, limit=limit, cache=cache)
    tr_ds, te_ds = train_test(ds)
    rate_list = tuple(int(r) for r in rates.split(",")) if rates else tuple(RATE_POINTS)
    bad = set(rate_list) - set(RATE_POINTS)
    if bad:
        raise DetectorError(f"unknown rate point(s) {sorted(bad)}; the encoder has {list(RATE_POINTS)}")
    clfs = tuple(c.strip() for c in classifiers.split(",") if c.strip())
    kind_list = tuple(k.strip() for k in kinds.split(",") if k.strip())
    for k in kind_list:
        FeatureConfig(kind=k)  # validates the name
    tr = FeatureSource.load(tr_ds, size=size, cache_dir=cache_dir, progress=True)
    te = FeatureSource.load(te_ds, size=size, cache_dir=cache_dir, encoder=tr.get_encoder(), progress=True)
    for r in rate_list:  # encode up front so the table's training times exclude encoding
        tr.latents(r)
        te.latents(r)
    cells = factor_grid(rate_list, clfs, kind_list)
    cells += [(FeatureConfig("spectral"), "logreg")]
    cells += [(FeatureConfig("pooled", "YUV", "y", rate_list[0]), c) for c in ("logreg", *clfs)]
    cells += [
        (FeatureConfig("pooled+spectral", "YUV", "y", rate_list[0]), c) for c in ("stack", "logreg", *clfs)
    ]
    rows = run_experiment(tr, te, cells, search=not no_search, quick=quick)
    if csv_out is not None:
        import csv

        with open(csv_out, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            for row in rows:
                w.writerow({**row, "best_params": json.dumps(row["best_params"])})
    if chart is not None:
        from fakemedia.lab.plots import bar_chart

        bar_chart(rows, chart, title=f"{Path(data).name}: {tr_ds.describe()} / test {len(te_ds)}")
    if as_json:
        click.echo(json.dumps(rows))
    else:
        click.echo(f"train: {tr_ds.describe()}; test: {te_ds.describe()}; "
                   f"search: {'none' if no_search else 'quick' if quick else 'full'}")  # fmt: skip
        click.echo(markdown_table(rows))
    sys.stdout.flush()


@lab.command()
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (created).")
@click.option("--small", is_flag=True, help="Tiny version for tests (64 px, 4 crops per photo).")
@click.option("--per-source", type=int, default=None, help="Real crops per photograph (default 32).")
@click.option("--size", type=int, default=None, help="Image side in pixels (default 256).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--train-seconds", type=float, default=None,
              help="Safety time cap per generator (the step count is the normal bound).")
def benchmark(out: Path, small: bool, per_source: int | None, size: int | None, seed: int,
              train_seconds: float | None) -> None:
    """Build the offline real-vs-synthetic benchmark in --out (seeded, nothing downloaded)."""
    _need_lab_extra()
    from fakemedia.lab.benchmark import build_benchmark

    s = build_benchmark(out, small=small, per_source=per_source, size=size, seed=seed,
                        train_seconds=train_seconds)  # fmt: skip
    click.echo(json.dumps({"counts": s["counts"], "generators": s["generators"], "seconds": s["seconds"]}))


@lab.command("train-codec")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output .safetensors (fp16).")
@click.option("--minutes", type=float, default=12.0, show_default=True, help="Wall-clock training budget.")
@click.option("--crop", type=int, default=128, show_default=True)
@click.option("--batch", type=int, default=8, show_default=True)
@click.option("--lr", type=float, default=3e-4, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--threads", type=int, default=2, show_default=True)
@click.option("--gain-lr", type=float, default=1e-2, show_default=True, help="Learning rate of the gains.")
@click.option("--init", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Warm start from a codec file.")
@click.option("--no-progress", is_flag=True)
def train_codec(out: Path, minutes: float, crop: int, batch: int, lr: float, seed: int, threads: int,
                gain_lr: float, init: Path | None, no_progress: bool) -> None:
    """Train the JPEG AI-style codec on crops of the bundled photographs (held-out scenes never)."""
    if crop % 64:
        raise click.BadParameter("must be a multiple of 64 (the hyper latent grid)", param_hint="--crop")
    _need_lab_extra()
    from fakemedia.lab.train_codec import train as run

    res = run(out, minutes, crop, batch, lr, seed, threads, not no_progress, init, gain_lr)
    click.echo(json.dumps(res, indent=2, sort_keys=True))


@lab.command("train-localiser")
@click.argument("bench", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--model", "model_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Model whose image classifier is kept; default: the shipped model.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="New model file.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option("--splices", type=click.IntRange(0, 20), default=2, show_default=True,
              help="New composites made from each fully synthetic training image.")
@click.option("--positions", type=click.IntRange(1, 4096), default=64, show_default=True,
              help="Latent positions per training image the map is fitted on (seeded, the same for all).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the new splices.")
@click.option("--calibration", type=click.Choice(["isotonic", "sigmoid"]), default="sigmoid",
              show_default=True)
@click.option("--model-version", default=None, help="Version the new model records (default: the base's).")
@click.option("--exclude-family", type=click.Choice(["autoencoder", "gan", "diffusion"]), default=None,
              help="Leave this generator family out of training (to measure the map on one it never saw).")
@click.option("--defocus", type=click.FloatRange(0, 1), default=1 / 3, show_default="1/3",
              help="Chance that a real training image also goes in with part of it out of focus.")
@click.option("--cache", default=None,
              help="Latent cache folder ('none' to disable; default BENCH/.fakemedia-cache).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def train_localiser_cmd(bench: Path, model_path: Path | None, out: Path, force: bool, splices: int,
                        positions: int, seed: int, calibration: str, model_version: str | None,
                        exclude_family: str | None, defocus: float, cache: str | None,
                        as_json: bool) -> None:  # fmt: skip
    """Fit the localisation map on BENCH's composites and keep the model's image classifier.

    The map sees, per latent position, its 3×3 neighbourhood's latent statistics and its cell's
    pixel residuals, beside how they differ from the rest of the image. It is fitted on the real
    training images, the benchmark's composites and --splices new splices of each fully
    synthetic training image. The new model has no area rule until calibrate-areas gives it one.
    """
    if out.exists() and not force:
        raise click.BadParameter(f"{out} exists (pass --force to replace it)", param_hint="--out")
    _need_lab_extra()
    _limit_threads()
    from fakemedia.detect.model import load_default_model, load_model
    from fakemedia.lab.compile import save_model
    from fakemedia.lab.localiser import train_localiser

    base = load_model(model_path) if model_path else load_default_model()
    model, report = train_localiser(bench, base, splices=splices, positions=positions, seed=seed,
                                    calibration=calibration, version=model_version,
                                    exclude_family=exclude_family, defocus=defocus,
                                    cache_dir=_cache_dir(bench, cache), progress=not as_json)  # fmt: skip
    tmp = out.with_name(f".{out.name}.tmp")
    report["sha256"] = save_model(model, tmp)
    tmp.replace(out)
    if as_json:
        click.echo(json.dumps(report))
        return
    n = report["images"]
    click.echo(f"{out}: localisation map on {n['real']} real images, {n['benchmark_composites']} "
               f"benchmark composites and {n['new_splices']} new splices ({report['training_positions']} "
               f"positions, {report['n_features']} features, {report['fit_seconds']} s); no area rule "
               f"until calibrate-areas")


@lab.command("calibrate-areas")
@click.option("--model", "model_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Model file; default: the shipped model.")
@click.option("--bench", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="A benchmark folder (fakemedia-lab benchmark): its synthetic images and composites "
              "measure what the rule still finds.")
@click.option("--variants", type=click.IntRange(min=0), default=30, show_default=True,
              help="Processed versions per real photograph.")
@click.option("--thumbnails", type=click.IntRange(min=0), default=6, show_default=True,
              help="Small versions per real photograph (192-384 px, mostly re-saved as JPEG).")
@click.option("--photos", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="A fetch-photos folder: its photographs join the bundled ones (the family "
              "benchmark's test scenes among them are held out).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--target", type=float, default=0.02, show_default=True,
              help="Largest fraction of real photographs that may get an area.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the model with the outcome recorded (the rule, or none) to this file.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option("--model-version", default=None,
              help="Version the --out model records (default: the input model's): a new rule makes "
              "a new model.")
@click.option("--scores", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Keep the detector's scores in this JSON file and reuse them on the next run "
              "(same model and data).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def calibrate_areas(model_path: Path | None, bench: Path | None, variants: int, thumbnails: int,
                    photos: Path | None, seed: int, target: float, out: Path | None, force: bool,
                    model_version: str | None, scores: Path | None, as_json: bool) -> None:  # fmt: skip
    """Choose the area rule on processed real photographs and measure it on held-out ones.

    The model records the rule only if at most --target of the held-out processed photographs get
    an area and the rule still finds something; otherwise it records the whole-image probability
    only. Either way the figures go into the model's metadata (area_calibration).
    """
    if not 0 < target < 1:
        raise click.BadParameter("must be between 0 and 1", param_hint="--target")
    if out is not None and out.exists() and not force:
        raise click.BadParameter(f"{out} exists (pass --force to replace it)", param_hint="--out")
    _need_lab_extra()
    _limit_threads()
    from fakemedia.detection import load_detector
    from fakemedia.lab.areas import calibrate

    detector = load_detector(str(model_path) if model_path else None)
    report = calibrate(detector, bench=bench, variants=variants, seed=seed, target=target,
                       progress=not as_json, cache=scores, photos_dir=photos,
                       thumbnails=thumbnails)  # fmt: skip
    if out is not None:
        from dataclasses import replace

        from fakemedia.lab.compile import save_model

        meta = {k: v for k, v in detector.model.meta.items() if k not in ("area_rule", "area_calibration")}
        meta["area_calibration"] = {k: v for k, v in report.items() if k != "area_rule"}
        if report["area_rule"] is not None:
            meta["area_rule"] = report["area_rule"]
        if model_version is not None:
            meta["version"] = model_version
        tmp = out.with_name(f".{out.name}.tmp")
        report["written"] = {"path": str(out), "sha256": save_model(replace(detector.model, meta=meta), tmp)}
        tmp.replace(out)
    if as_json:
        click.echo(json.dumps(report))
        return
    for part in ("calibration", "heldout"):
        m = report.get(part)
        if m:
            click.echo(f"{part}: {m['real_with_area']}/{m['real']} real photographs with an area "
                       f"({100 * (m['false_area_rate'] or 0):.1f} %); synthetic with an area "
                       f"{m['synthetic_with_area']}/{m['synthetic']}; composites located (IoU ≥ 0.5) "
                       f"{m['composites_located']}/{m['composites']}")  # fmt: skip
    click.echo(f"rule: {report.get('rule')}")
    for part, calls in report["called_synthetic"].items():
        if isinstance(calls, dict) and calls["real"]:
            click.echo(f"{part}: {calls['called_synthetic']}/{calls['real']} real photographs called "
                       f"synthetic (p > {report['called_synthetic']['threshold']:g})")  # fmt: skip
    best = report.get("best_heldout_after_the_fact")
    if best:
        click.echo(f"best any grid rule reaches on the held-out photographs (after the fact): "
                   f"{100 * best['false_area_rate']:.1f} % with {best['rule']}")
    click.echo(f"{report['status']}" + (f": {report['reason']}" if "reason" in report else ""))
    if "written" in report:
        click.echo(f"wrote {out} (sha256 {report['written']['sha256']})")


@lab.command("fetch-photos")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--deb", "debs", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read this .deb instead of running apt-get download (repeatable; a known package each).")
@click.option("--package", "packages", multiple=True, metavar="NAME",
              help="Download only this source package (repeatable; default: every known source).")
@click.option("--force", is_flag=True, help="Replace an existing SOURCES.json and its photographs.")
def fetch_photos(dest: Path, debs: tuple[Path, ...], packages: tuple[str, ...], force: bool) -> None:
    """Training data: the genuine photographs of Debian packages, with SOURCES.json.

    Sources: plasma-workspace-wallpapers, palapeli-data and opencv-doc. The packages kept for
    evaluation (ukui-wallpapers, mate-backgrounds, lomiri-wallpapers*) are refused.
    """
    from fakemedia.lab.debian_photos import fetch_photos as run

    s = run(dest, deb=list(debs) or None, packages=list(packages) or None, force=force)
    names = s.get("packages") or [s]
    sources = ", ".join(f"{p['package']} {p['version']}" for p in names)
    click.echo(f"{len(s['photos'])} photographs from {sources} in {dest}")


@lab.command("family-benchmark")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--photos", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="A fetch-photos folder: its photographs join the bundled ones.")
@click.option("--per-photo", type=int, default=12, show_default=True, help="Real/fake pairs per photograph.")
@click.option("--size", type=int, default=256, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--train-seconds", type=float, default=120.0, show_default=True,
              help="Time cap per generator (besides its step bound).")
@click.option("--small", is_flag=True, help="Tiny version for tests.")
def family_benchmark(out: Path, photos: Path | None, per_photo: int, size: int, seed: int,
                     train_seconds: float, small: bool) -> None:  # fmt: skip
    """Benchmark with three generator families (autoencoder, GAN, diffusion) trained here."""
    _need_lab_extra()
    from fakemedia.lab.family_bench import build_family_benchmark

    s = build_family_benchmark(out, photos_dir=photos, per_photo=per_photo, size=size, seed=seed,
                               small=small, train_seconds=train_seconds, progress=not small)  # fmt: skip
    click.echo(json.dumps({"counts": s["counts"], "generators": s["generators"], "seconds": s["seconds"]}))


@lab.command("leave-one-family-out")
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option("--size", type=int, default=256, show_default=True)
@click.option("--no-search", is_flag=True, help="Fit preset parameters only.")
@click.option("--shipped/--no-shipped", default=True, show_default=True,
              help="Also score the shipped model on each family.")
@click.option("--cache", default=None, help="Latent cache folder ('none' to disable).")
@click.option("--json", "as_json", is_flag=True)
@encoder_weights_option
def leave_one_family_out(data: Path, size: int, no_search: bool, shipped: bool, cache: str | None,
                         as_json: bool) -> None:  # fmt: skip
    """Per family of a family benchmark: fit on the other families, test on the held-out one."""
    _need_lab_extra()
    _limit_threads()
    from fakemedia.detect.model import load_default_model
    from fakemedia.lab.data import train_test
    from fakemedia.lab.experiment import FeatureSource
    from fakemedia.lab.generalisation import leave_one_family_out as run
    from fakemedia.lab.generalisation import markdown

    ds, cache_dir = _sources(data, size=size, limit=None, cache=cache)
    tr_ds, te_ds = train_test(ds)
    tr = FeatureSource.load(tr_ds, size=size, cache_dir=cache_dir)
    te = FeatureSource.load(te_ds, size=size, cache_dir=cache_dir, encoder=tr.get_encoder())
    ship = load_default_model() if shipped and size == 256 else None
    rows = run(tr, te, search=not no_search, shipped=ship)
    click.echo(json.dumps(rows) if as_json else markdown(rows))


@lab.command()
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Model file; default: the shipped model.")
@click.option("--split", type=click.Choice(["test", "train", "all"]), default="test", show_default=True)
@click.option("--scores", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the per-image probabilities (npz: labels, groups, one array per processing).")
@click.option("--json", "as_json", is_flag=True)
@encoder_weights_option
def robustness(data: Path, model_path: Path | None, split: str, scores: Path | None, as_json: bool) -> None:
    """Accuracy, AUC, real images called synthetic and real images with an area, per processing."""
    _need_lab_extra()
    _limit_threads()
    from fakemedia.detect.model import load_default_model, load_model
    from fakemedia.lab.data import read_dataset
    from fakemedia.lab.generalisation import markdown
    from fakemedia.lab.generalisation import robustness as run

    model = load_model(model_path) if model_path else load_default_model()
    ds = read_dataset(data)
    part = ds if split == "all" else ds.split(split)
    kept: dict[str, Any] = {}
    rows = run(model, part, scores=kept)
    if scores is not None:
        import numpy as np

        np.savez(scores, labels=part.labels, groups=part.groups, **kept)
    click.echo(json.dumps(rows) if as_json else markdown(rows))


@lab.command("choose-threshold")
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option("--model", "model_path", type=click.Path(path_type=Path), required=True,
              help="A model trained on DATA's train split (its parameters and augmentation are reused).")
@click.option("--max-real-fp", type=float, default=0.02, show_default=True, metavar="F")
@click.option("--per-group", is_flag=True, help="Bound the rate in every training group (the worst scene).")
@click.option("--processed", type=click.IntRange(min=0), default=0, show_default=True, metavar="N",
              help="Also score N JPEG re-saves (quality 60-95, seeded) of each real training image by "
              "the same refits and hold the bound on them too.")
@click.option("--scores", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the out-of-group scores (npz: p, y, groups; p_processed, groups_processed).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the model with the threshold in its metadata (never over an existing file).")
@click.option("--model-version", default=None, help="Version the --out model records (default: the input's).")
@click.option("--cache", default=None, help="Latent cache folder ('none' to disable).")
@encoder_weights_option
def choose_threshold_cmd(data: Path, model_path: Path, max_real_fp: float, per_group: bool, processed: int,
                         scores: Path | None, out: Path | None, model_version: str | None,
                         cache: str | None) -> None:  # fmt: skip
    """A decision threshold from the training scenes: each group scored by a refit without it.

    The model's own training set is rebuilt (DATA's train split plus the newsroom copies the
    model records, same seed), its recorded parameters are refitted once per left-out group,
    and the smallest threshold >= 0.5 with at most F of those real images called synthetic (and,
    with --processed, of their re-saved copies) is reported (and recorded with --out). The test
    split is not read. A model with a probability map records the threshold on the map's scale.
    """
    _need_lab_extra()
    _limit_threads()
    from fakemedia.detect.model import load_model
    from fakemedia.lab.compile import save_model
    from fakemedia.lab.experiment import FeatureSource, _fit
    from fakemedia.lab.threshold import choose_threshold, out_of_group_probabilities, threshold_report

    if out is not None and out.exists():
        raise DetectorError(f"{out} exists; choose a new file")
    model = load_model(model_path)
    ds, cache_dir = _sources(data, size=model.image_size, limit=None, cache=cache)
    tr_ds = ds.split("train") if ds.splits is not None else ds
    src = FeatureSource.load(tr_ds, size=model.image_size, cache_dir=cache_dir)
    aug = model.meta.get("augmentation") or {}
    if aug.get("kind") == "newsroom":
        from fakemedia.lab.augment import augment_newsroom

        a_ds, a_imgs = augment_newsroom(src.ds, src.images, copies=int(aug["copies"]), seed=int(aug["seed"]))
        src = FeatureSource(a_ds, a_imgs, cache_dir, src.get_encoder())
    if src.sha != (model.meta.get("training_data") or {}).get("images_sha256"):
        raise DetectorError("DATA's train split (with the recorded augmentation) is not this model's "
                            "training set")
    feats, clf = model.features, str(model.meta.get("classifier", "stack"))
    params, calibration = model.meta.get("best_params") or {}, str(model.meta.get("calibration", "isotonic"))

    def refit(X: Any, y: Any, g: Any) -> Any:
        kw = {"params": params} if params else {}
        return _fit(feats, clf, X, y, g, search=False, calibration=calibration, **kw)

    import numpy as np

    extra, copies = None, None
    if processed:
        from fakemedia.lab.threshold import processed_reals

        copies = processed_reals(src, processed)
        extra = (copies.features(feats), copies.groups)
    p, p2 = out_of_group_probabilities(src.features(feats), src.labels, src.groups, refit, extra)
    if scores is not None:
        np.savez(scores, p=p, y=src.labels, groups=src.groups, p_processed=p2,
                 groups_processed=copies.groups if copies is not None else np.empty(0))  # fmt: skip
    t = choose_threshold(p, src.labels, max_real_fp, groups=src.groups if per_group else None)
    if copies is not None:  # the copies are all real: the stricter of the two bounds decides
        t2 = choose_threshold(p2, np.zeros(len(p2), dtype=int), max_real_fp,
                              groups=copies.groups if per_group else None)  # fmt: skip
        t = max(t, t2)
    report: dict[str, Any] = {"max_real_fp": max_real_fp, "per_group": per_group,
                              "by": "leave-one-group-out on the training set",
                              **threshold_report(p, src.labels, t, src.groups)}  # fmt: skip
    if copies is not None:
        from fakemedia.lab.threshold import PROCESSED_QUALITY

        report["processed"] = {"copies_per_real": processed, "jpeg_quality": list(PROCESSED_QUALITY),
                               "n": len(p2), "threshold_alone": round(t2, 4),
                               "oof_real_fp_at_0.5": round(float((p2 > 0.5).mean()), 4),
                               "oof_real_fp": round(float((p2 > t).mean()), 4)}  # fmt: skip
    spec = model.meta.get("probability_calibration")
    if spec:  # the call compares the mapped probability, so the threshold goes on the map's scale
        from fakemedia.detect.calibration import apply_calibration

        report["threshold_before_map"] = round(t, 4)
        t = float(apply_calibration(t, spec))
        report["threshold_after_map"] = round(t, 4)
    if out is not None:
        model.meta["decision_threshold"] = t
        model.meta["threshold_selection"] = report
        if model_version is not None:
            model.meta["version"] = model_version
        report["sha256"] = save_model(model, out)
        report["model"] = str(out)
    click.echo(json.dumps(report))


@lab.command("calibrate-probability")
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Model file; default: the shipped model.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the model with the fitted map in its metadata (never over an existing file).")
@click.option("--method", type=click.Choice(["platt", "isotonic"]), default="platt", show_default=True)
@click.option("--split", type=click.Choice(["test", "all"]), default="test", show_default=True,
              help="Held-out part of DATA (and of --measure-on) to use (never the model's training images).")
@click.option("--measure-on", "measure_on", type=click.Path(exists=True, path_type=Path), default=None,
              help="Other held-out images (folder or CSV, same --split) to measure the fitted map's ECE on; "
                   "recorded as heldout_ece, which alone lets the probability be signed as calibrated.")
@click.option("--measure-groups", "measure_groups", default=None, metavar="G[,G...]",
              help="Instead of --measure-on: hold these groups of DATA's part out of the fit and "
                   "measure on them.")
@click.option("--cache", default=None, help="Latent cache folder ('none' to disable).")
@encoder_weights_option
def calibrate_probability(data: Path, model_path: Path | None, out: Path | None, method: str, split: str,
                          measure_on: Path | None, measure_groups: str | None,
                          cache: str | None) -> None:  # fmt: skip
    """ECE of the whole-image probability on held-out DATA, before and after a fitted map.

    "After" is cross-fitted: each group's images are mapped by a fit on the other groups. The
    map written with --out is fitted on all of DATA's part; with --measure-on its ECE is then
    measured on those other images (none may be an image of DATA, nor of a group of DATA or of
    the model's training scenes) and recorded as heldout_ece; --measure-groups takes them from
    DATA instead. A model's probability is signed as calibrated only when that figure is at most
    0.05.
    """
    _need_lab_extra()
    _limit_threads()
    import numpy as np

    from fakemedia.detect.calibration import MAX_ECE, META_KEY, apply_calibration
    from fakemedia.detect.model import load_default_model, load_model
    from fakemedia.lab.compile import save_model
    from fakemedia.lab.experiment import FeatureSource, evaluate_model
    from fakemedia.lab.generalisation import crossfit_ece, fit_probability_calibration, heldout_ece

    if out is not None and out.exists():
        raise DetectorError(f"{out} exists; choose a new file")
    if measure_on is not None and measure_groups:
        raise DetectorError("give --measure-on or --measure-groups, not both")
    model = load_model(model_path) if model_path else load_default_model()

    def part_of(path: Path) -> tuple[Any, Path | None]:
        ds, cache_dir = _sources(path, size=model.image_size, limit=None, cache=cache)
        return (ds if split == "all" else ds.split(split)), cache_dir

    def raw_scores(part: Any, cache_dir: Path | None) -> Any:
        src = FeatureSource.load(part, size=model.image_size, cache_dir=cache_dir)
        return evaluate_model(model, src, raw=True)["probabilities"]  # a new map replaces any old one

    trained = (model.meta.get("training_data") or {}).get("groups") or []
    fit, fit_cache = part_of(data)
    held = held_cache = None
    where = None
    if measure_groups:
        names = [g.strip() for g in measure_groups.split(",") if g.strip()]
        if missing := sorted(set(names) - set(fit.groups.tolist())):
            raise DetectorError(f"--measure-groups: no group {', '.join(missing)} in DATA ({split})")
        out_of_fit = np.isin(fit.groups, names)
        held, held_cache = fit.subset(np.flatnonzero(out_of_fit)), fit_cache
        fit = fit.subset(np.flatnonzero(~out_of_fit))
        where = f"{Path(data).name} ({split}): groups {', '.join(sorted(names))}"
    elif measure_on is not None:
        held, held_cache = part_of(measure_on)
        where = f"{Path(measure_on).name} ({split})"
    fit_groups = sorted(set(fit.groups.tolist()))
    if len(fit) == 0 or len(set(fit.labels.tolist())) < 2:
        raise DetectorError("nothing left to fit on: the fit needs real and synthetic images")
    _refuse_overlap("DATA", fit_groups, "the model's training scenes", trained)
    if held is not None:
        held_groups = sorted(set(held.groups.tolist()))
        _refuse_overlap("--measure-on", held_groups, "the model's training scenes", trained)
        _refuse_overlap("--measure-on", held_groups, "DATA", fit_groups)
        if shared := _shared_images(fit.paths, held.paths):
            raise DetectorError(f"--measure-on shares {shared} image(s) with DATA; the map must be "
                                "measured on images it was not fitted on")
    p = raw_scores(fit, fit_cache)
    report = _round(crossfit_ece(p, fit.labels, fit.groups, method))
    spec = fit_probability_calibration(p, fit.labels, method)
    report.update({"method": method, "n": len(fit), "groups": len(fit_groups)})
    if held is not None:
        q = raw_scores(held, held_cache)
        report.update(_round(heldout_ece(spec, q, held.labels)))
        report["measured_on"] = {"data": where, "n": len(held), "groups": held_groups}
    report["calibrated"] = "heldout_ece" in report and report["heldout_ece"] <= MAX_ECE
    if out is not None:
        model.meta[META_KEY] = {**spec, "fitted_on": f"{Path(data).name} ({split})", "fit_groups": fit_groups,
                                **{k: v for k, v in report.items() if k != "calibrated"}}  # fmt: skip
        if "decision_threshold" in model.meta:
            # The threshold was chosen on the unmapped scale; the label compares the mapped
            # probability, so the threshold moves with the (monotone) map and calls stay the same.
            before = float(model.meta["decision_threshold"])
            model.meta["decision_threshold"] = float(apply_calibration(before, spec))
            report["decision_threshold"] = {"before_map": before,
                                            "after_map": model.meta["decision_threshold"]}
        report["sha256"] = save_model(model, out)
        report["model"] = str(out)
    click.echo(json.dumps(report))


def _refuse_overlap(what: str, groups: Sequence[str], other: str, others: Sequence[str]) -> None:
    """A held-out measure must not share a group (scene, source) with the images it is held out from."""
    if both := sorted(set(groups) & set(others)):
        raise DetectorError(f"{what} shares group(s) {', '.join(both[:5])} with {other}; held-out images "
                            "must come from other groups")


def _shared_images(a: Sequence[Path], b: Sequence[Path]) -> int:
    """How many images of ``b`` are also in ``a`` (the same file, or the same bytes under another name)."""
    import hashlib

    def digests(paths: Sequence[Path]) -> set[str]:
        return {hashlib.sha256(Path(x).read_bytes()).hexdigest() for x in paths}

    same_file = {Path(x).resolve() for x in a} & {Path(x).resolve() for x in b}
    return max(len(same_file), len(digests(a) & digests(b)))


def main(args: Sequence[str] | None = None) -> None:
    lab.main(args=args, prog_name="fakemedia-lab")
