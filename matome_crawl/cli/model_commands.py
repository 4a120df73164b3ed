"""``matome model``: download, convert and describe translation models."""

from __future__ import annotations

from pathlib import Path

import click

from matome_crawl.cli.app import echo_rows, format_option
from matome_crawl.translate.convert import QUANTIZATIONS


@click.group(name="model")
def model() -> None:
    """Download, convert and describe translation models."""


@model.command()
@click.argument("name")
@click.option(
    "--quantization",
    default="int8",
    show_default=True,
    help="Also convert for CTranslate2 with this quantization; 'none' skips the conversion.",
)
def download(name: str, quantization: str) -> None:
    """Download hub model NAME into the Hugging Face cache (needs network)."""
    from matome_crawl.translate import TranslateError, download_model

    try:
        resolved = download_model(
            name, quantization=None if quantization.lower() == "none" else quantization
        )
    except TranslateError as exc:
        raise click.ClickException(str(exc)) from exc
    for item in resolved:
        click.echo(f"{item.model_id}: {item.format} model in {item.path}")


@model.command()
@click.argument("name_or_path", metavar="NAME|PATH")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the converted model.",
)
@click.option(
    "--quantization",
    type=click.Choice(QUANTIZATIONS),
    default="int8",
    show_default=True,
)
@click.option("--force", is_flag=True, help="Replace a model already in --out.")
def convert(name_or_path: str, out_dir: Path, quantization: str, force: bool) -> None:
    """Convert a transformers model (local directory, or hub name in the local cache) to
    CTranslate2, with its tokenizer files."""
    from matome_crawl.translate import TranslateError, convert_model

    try:
        resolved = convert_model(name_or_path, out_dir, quantization=quantization, force=force)
    except TranslateError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{resolved.model_id} ({resolved.family}, {quantization}) converted to {resolved.path}; "
        f"use it with --model {resolved.path}"
    )


@model.command()
@click.option(
    "--model", "name", default=None, metavar="NAME|PATH", help="[default: the default model]"
)
@click.option(
    "--backend", type=click.Choice(["ctranslate2", "transformers"]), default="ctranslate2"
)
@format_option
def info(name: str | None, backend: str, output_format: str) -> None:
    """Show a model, its license, its backend, whether it is on this machine, the settings
    it runs with and what to expect on this CPU."""
    from matome_crawl.translate import DEFAULT_MODEL, KNOWN_MODELS
    from matome_crawl.translate.cpu import available_cores, family_defaults
    from matome_crawl.translate.models import model_status
    from matome_crawl.translate.options import MAX_LEN_A, MAX_LEN_B

    status = model_status(name or DEFAULT_MODEL, backend)
    card = KNOWN_MODELS.get(status.model)
    rows = [
        {"field": "model", "value": status.model},
        {"field": "family", "value": status.family or "unknown"},
        {"field": "license", "value": status.license or "unknown (see the model's card)"},
        {"field": "backend", "value": status.backend},
        {"field": "available", "value": "yes" if status.available else "no"},
        {"field": "path", "value": status.path or ""},
        {"field": "note", "value": status.note},
    ]
    if card:
        rows.insert(3, {"field": "about", "value": card.note})
    if status.family:
        defaults = family_defaults(status.family, backend, "cpu")
        beam = f"beam {defaults.beam}"
        if status.model_beams and status.model_beams != defaults.beam:
            beam += (
                f" (the model's own config asks for {status.model_beams}; {defaults.beam} is "
                "the measured choice on CPU: --beam to change it)"
            )
        threads = available_cores()
        layout = (
            f"{max(1, threads // defaults.threads_per_worker)} worker(s) × "
            f"{defaults.threads_per_worker} thread(s)"
            if backend == "ctranslate2"
            else f"{threads} torch thread(s)"
        )
        rows.append(
            {
                "field": "cpu defaults",
                "value": f"{beam}, batch {defaults.batch_size}, {layout}",
            }
        )
        limit = f"{MAX_LEN_A:g} × source tokens + {MAX_LEN_B} new tokens per segment"
        if status.max_length:
            limit += f", at most {status.max_length - 1} (the model's max_length)"
        rows.append({"field": "output cap", "value": limit})
        expected = _expectation(status.family, backend)
        if expected:
            rows.append({"field": "expect (cpu)", "value": expected})
    if output_format == "json":  # one object, keyed like a program would read it
        import json
        import re

        record = {re.sub(r"\W+", "_", r["field"]).strip("_"): r["value"] for r in rows}
        click.echo(json.dumps(record, ensure_ascii=False, indent=2, default=str))
        return
    echo_rows(rows, output_format, columns=["field", "value"])


def _expectation(family: str, backend: str) -> str | None:
    from matome_crawl.translate.cpu import family_defaults

    measured = family_defaults(family, "ctranslate2", "cpu").cpu_seconds_per_1000
    if measured is None:
        return None
    text = (
        f"about {_duration(measured)} per 1,000 segments with CTranslate2 int8 on 2 cores "
        "(measured; scales with cores)"
    )
    if backend == "transformers":
        text += "; the transformers backend is several times slower"
    return text


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"
