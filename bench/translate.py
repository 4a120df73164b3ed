"""Translation throughput: naive transformers vs batched transformers vs the product's path.

Builds, offline, a random-init MarianMT model with FuguMT's shapes (6+6 layers, d_model
512, 8 heads, FFN 2048, SiLU, 32k joint vocabulary from SentencePiece models trained on the
system's gettext catalogues) and translates real HN comments (the shared hnapi fixture)
with a fixed output length (48 tokens each, so random weights cannot skew lengths), at
beam 4:

  (a) transformers, one comment at a time (the naive baseline);
  (b) transformers, all comments sorted by length and batched;
  (c) the product's default CPU path: ``Translator`` with its default options
      (CTranslate2 int8, the measured ISA and thread layout) on the comments' HTML,
      i.e. cut into sentences, deduplicated and batched;
  (c') the same CTranslate2 backend on the whole comments (the inputs of (a) and (b)).

Each phase runs in its own process so its peak memory (max RSS) is its own. Target tokens
are the decoder steps each path ran (transformers ends each output with a forced end
token at step 48; CTranslate2 stops after 47 tokens without it).

    python bench/translate.py                 # 200 comments, all phases
    python bench/translate.py --comments 40   # shorter run
    python bench/translate.py --isa-sweep     # (c') under each CT2 ISA / MKL setting
    python bench/translate.py --defaults-sweep nllb   # beam/batch/threads on NLLB-600M's shape

It is a script, not a test: numbers depend on the machine and on its neighbours.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

HN_COMMENTS = (
    ROOT.parent / "shared" / "fixtures" / "hn" / "api" / "hnapi" / "hnapi_item_25015967.json"
)
MO_DIR = Path("/usr/share/locale/ja/LC_MESSAGES")
OUTPUT_TOKENS = 48
BEAM = 4
VOCAB = 32000  # plus <pad>, as FuguMT's 32001
TORCH_BATCH = 16


# ----------------------------------------------------------------------------- inputs


def load_comments(count: int) -> list[str]:
    """``count`` HN comments of ordinary length (5–200 words), as HN serves their HTML."""
    tree = json.loads(HN_COMMENTS.read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(nodes: list[dict]) -> None:
        for node in nodes:
            content = node.get("content") or ""
            words = len(re.sub(r"<[^>]+>", " ", content).split())
            if 5 <= words <= 200 and "<pre>" not in content:
                found.append(content)
            walk(node.get("comments", []))

    walk(tree["comments"])
    if len(found) < count:
        raise SystemExit(f"only {len(found)} comments in {HN_COMMENTS}")
    step = len(found) / count  # spread over the whole thread, deterministic
    return [found[int(i * step)] for i in range(count)]


def plain(comment_html: str) -> str:
    text = re.sub(r"<p>", "\n\n", comment_html)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


# ----------------------------------------------------------------------------- model


def build_model(workdir: Path) -> Path:
    """A random-init FuguMT-shaped Marian model in ``workdir/marian`` (reused if present)."""
    import json as jsonlib
    import warnings

    import polib
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    out = workdir / "marian"
    if (out / "model.safetensors").is_file():
        return out
    english, japanese = [], []
    for path in sorted(MO_DIR.glob("*.mo")):
        for entry in polib.mofile(str(path)):
            if entry.msgid and entry.msgstr:
                english.append(" ".join(entry.msgid.split()))
                japanese.append(" ".join(entry.msgstr.split()))
    english += [plain(c) for c in load_comments(400)]
    out.mkdir(parents=True)
    pieces: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for lang, lines in (("source", english), ("target", japanese)):
        corpus = workdir / f"{lang}.txt"
        corpus.write_text("\n".join(lines), encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(workdir / lang),
            vocab_size=16000,
            hard_vocab_limit=False,
            character_coverage=0.9995,
            num_threads=2,
            minloglevel=2,
        )
        shutil.copy(workdir / f"{lang}.model", out / f"{lang}.spm")
        processor = spm.SentencePieceProcessor(model_file=str(workdir / f"{lang}.model"))
        for i in range(processor.get_piece_size()):
            if not processor.is_control(i) and not processor.is_unknown(i):
                pieces.setdefault(processor.id_to_piece(i), len(pieces))
    filler = 0
    while len(pieces) < VOCAB:  # FuguMT's vocabulary size, so the output layer costs the same
        pieces[f"<unused{filler}>"] = len(pieces)
        filler += 1
    pieces["<pad>"] = len(pieces)
    (out / "vocab.json").write_text(jsonlib.dumps(pieces, ensure_ascii=False), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        tokenizer = MarianTokenizer(
            str(out / "source.spm"), str(out / "target.spm"), str(out / "vocab.json")
        )
    tokenizer.save_pretrained(out)
    torch.manual_seed(0)
    config = MarianConfig(
        vocab_size=len(pieces),
        d_model=512,
        encoder_layers=6,
        decoder_layers=6,
        encoder_attention_heads=8,
        decoder_attention_heads=8,
        encoder_ffn_dim=2048,
        decoder_ffn_dim=2048,
        activation_function="swish",
        max_position_embeddings=512,
        scale_embedding=True,
        pad_token_id=pieces["<pad>"],
        decoder_start_token_id=pieces["<pad>"],
        eos_token_id=0,
        forced_eos_token_id=0,
        bad_words_ids=[[pieces["<pad>"]]],
    )
    model = MarianMTModel(config).eval()
    model.generation_config.max_length = 512
    model.generation_config.num_beams = 12  # as FuguMT ships it
    model.save_pretrained(out)
    return out


# ----------------------------------------------------------------------------- phases


def phase_transformers(model_dir: Path, comments: list[str], batched: bool) -> dict:
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    torch.set_num_threads(os.cpu_count() or 1)
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, local_files_only=True).eval()
    texts = [plain(c) for c in comments]
    settings = {
        "num_beams": BEAM,
        "min_new_tokens": OUTPUT_TOKENS,
        "max_new_tokens": OUTPUT_TOKENS,
        "early_stopping": True,
    }
    if batched:
        lengths = [len(ids) for ids in tokenizer(texts)["input_ids"]]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        batches = [order[i : i + TORCH_BATCH] for i in range(0, len(order), TORCH_BATCH)]
    else:
        batches = [[i] for i in range(len(texts))]
    tokens = 0
    started = time.perf_counter()
    with torch.inference_mode():
        for batch in batches:
            encoded = tokenizer([texts[i] for i in batch], return_tensors="pt", padding=True)
            generated = model.generate(**encoded, **settings)
            tokens += (generated.shape[1] - 1) * len(batch)  # steps after the start token
    seconds = time.perf_counter() - started
    return {"outputs": len(texts), "tokens": tokens, "seconds": seconds}


def phase_product(
    model_dir: Path, comments: list[str], models_dir: Path, whole: bool, batch_size: int | None
) -> dict:
    from matome_crawl.hn.text import comment_html_to_text
    from matome_crawl.translate import Kind, Source, TranslationOptions, Translator
    from matome_crawl.translate.cpu import configure_ctranslate2_cpu

    configure_ctranslate2_cpu()  # as the matome command does before loading a model
    options = TranslationOptions(
        model=str(model_dir),
        models_dir=str(models_dir),
        min_new_tokens=OUTPUT_TOKENS,
        max_new_tokens=OUTPUT_TOKENS,
        batch_size=batch_size,  # None: the product's default
    )
    translator = Translator.load(options)  # the default backend: CTranslate2, int8
    backend = translator.backend
    info = {
        "backend": backend.name,
        "compute_type": backend.compute_type,
        "isa": os.environ.get("CT2_FORCE_CPU_ISA", "CTranslate2's choice"),
        "mkl": os.environ.get("CT2_USE_MKL", "CTranslate2's choice"),
        "workers": backend.workers,
        "batch_size": backend.batch_size,
    }
    if whole:
        texts = [plain(c) for c in comments]
        started = time.perf_counter()
        outputs = backend.translate(sorted(texts, key=len))
        seconds = time.perf_counter() - started
        return {
            **info,
            "outputs": len(outputs),
            "tokens": sum(o.tokens for o in outputs),
            "seconds": seconds,
        }
    started = time.perf_counter()
    results = translator.translate([Source(comment_html_to_text(c), Kind.TEXT) for c in comments])
    seconds = time.perf_counter() - started
    assert all(r.untranslated == 0 for r in results)
    return {
        **info,
        "outputs": translator.stats.translated,
        "tokens": translator.stats.generated_tokens,
        "seconds": seconds,
    }


# ------------------------------------------------------------- per-family CPU defaults

SWEEP_SEGMENTS = 48
SWEEP_OUTPUT = 24  # target tokens per segment: about an HN sentence's length in Japanese
NLLB_CONFIG = ROOT.parent / "shared" / "models" / "facebook--nllb-200-distilled-600M"


def build_nllb(workdir: Path) -> Path:
    """A random-init model of NLLB-200-distilled-600M's exact shape (its config.json
    verbatim: 12+12 layers, d_model 1024, FFN 4096, 256,206 output rows), with a small
    NLLB tokenizer (CTranslate2 pads the vocabulary to the model's rows)."""
    import polib
    import sentencepiece as spm
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.tokenization_utils_base import generate_merges

    out = workdir / "nllb"
    if (out / "model.safetensors").is_file():
        return out
    out.mkdir(parents=True)
    lines = [plain(c) for c in load_comments(400)]
    for path in sorted(MO_DIR.glob("*.mo")):
        for entry in polib.mofile(str(path)):
            if entry.msgid and entry.msgstr:
                lines += [" ".join(entry.msgid.split()), " ".join(entry.msgstr.split())]
    (workdir / "nllb.txt").write_text("\n".join(lines), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(workdir / "nllb.txt"),
        model_prefix=str(workdir / "nllb-bpe"),
        vocab_size=8000,
        model_type="bpe",
        character_coverage=0.9995,
        num_threads=2,
        minloglevel=2,
    )
    processor = spm.SentencePieceProcessor(model_file=str(workdir / "nllb-bpe.model"))
    specials = ("<s>", "<pad>", "</s>", "<unk>")
    vocab = {token: i for i, token in enumerate(specials)}
    scores = {}
    for i in range(processor.get_piece_size()):
        if not (processor.is_control(i) or processor.is_unknown(i)):
            vocab[processor.id_to_piece(i)] = i + 1
            scores[processor.id_to_piece(i)] = processor.get_score(i)
    codes = json.loads((NLLB_CONFIG / "special_tokens_map.json").read_text())[
        "additional_special_tokens"
    ]
    for code in [*codes, "<mask>"]:
        vocab[code] = len(vocab)
    merges = generate_merges(vocab, scores, skip_tokens=set(specials) | set(codes) | {"<mask>"})
    NllbTokenizer(
        vocab=vocab, merges=merges, src_lang="eng_Latn", tgt_lang="jpn_Jpan"
    ).save_pretrained(out)
    config = M2M100Config.from_dict(json.loads((NLLB_CONFIG / "config.json").read_text()))
    torch.manual_seed(0)
    M2M100ForConditionalGeneration(config).eval().save_pretrained(out)
    shutil.copy(NLLB_CONFIG / "generation_config.json", out / "generation_config.json")
    return out


def phase_sweep(model_dir: Path, models_dir: Path, beam: int, batch: int, per_worker: int) -> dict:
    """CTranslate2 int8 on HN sentences, fixed output length, one setting."""
    import matome_crawl.translate.cpu as cpu
    from matome_crawl.hn.text import comment_html_to_text
    from matome_crawl.translate import Kind, Source, TranslationOptions, Translator
    from matome_crawl.translate.models import family_of

    cpu.configure_ctranslate2_cpu()
    family = family_of(model_dir)
    base = cpu.FAMILY_CPU_DEFAULTS[family]
    cpu.FAMILY_CPU_DEFAULTS[family] = cpu.FamilyDefaults(beam, batch, per_worker)
    options = TranslationOptions(
        model=str(model_dir),
        models_dir=str(models_dir),
        min_new_tokens=SWEEP_OUTPUT,
        max_new_tokens=SWEEP_OUTPUT,
    )
    translator = Translator.load(options)
    cpu.FAMILY_CPU_DEFAULTS[family] = base
    sources = [Source(comment_html_to_text(c), Kind.TEXT) for c in load_comments(60)]
    segments = translator.plan(sources).segments[:SWEEP_SEGMENTS]
    started = time.perf_counter()
    outputs = translator.backend.translate(segments)
    seconds = time.perf_counter() - started
    return {
        "outputs": len(outputs),
        "tokens": len(outputs) * SWEEP_OUTPUT,  # decoder steps (random outputs may be specials)
        "seconds": seconds,
        "workers": translator.backend.workers,
    }


def defaults_sweep(args: argparse.Namespace) -> None:
    family = args.defaults_sweep
    workdir = Path(args.workdir)
    started = time.perf_counter()
    model_dir = build_model(workdir) if family == "marian" else build_nllb(workdir)
    print(f"{family}: model built in {time.perf_counter() - started:.0f} s", flush=True)
    settings = [(4, 4, 1)]  # the Marian defaults, as the baseline of this run
    settings += [(4, 4, 2), (2, 4, 1), (1, 4, 1), (4, 8, 1), (2, 8, 1), (2, 16, 1)]
    if args.settings:  # BEAMxBATCHxTHREADS_PER_WORKER,…
        settings = [
            tuple(int(n) for n in item.split("x"))  # type: ignore[misc]
            for item in args.settings.split(",")
        ]
    baseline = None
    for beam, batch, per_worker in settings:
        result = spawn(
            "sweep",
            args,
            extra=["--model-dir", str(model_dir), "--beam", str(beam), "--batch-size",
                   str(batch), "--per-worker", str(per_worker)],
        )  # fmt: skip
        per_1000 = result["seconds"] / result["outputs"] * 1000
        baseline = baseline or per_1000
        print(
            f"{family} beam {beam} batch {batch:2d} {result['workers']} worker(s) × "
            f"{per_worker} thread(s): {result['tokens'] / result['seconds']:6.1f} tok/s, "
            f"{per_1000:7.0f} s per 1,000 segments ({baseline / per_1000:.2f}× the first)",
            flush=True,
        )


def peak_rss_mib() -> float:
    """This process's peak resident memory. VmHWM starts afresh at exec, unlike
    ``ru_maxrss``, which a child inherits from the parent that forked it."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_phase(args: argparse.Namespace) -> None:
    comments = load_comments(args.comments)
    model_dir = Path(args.workdir) / "marian"
    if args.phase == "sweep":
        result = phase_sweep(
            Path(args.model_dir),
            Path(args.workdir) / "models",
            args.beam,
            args.batch_size,
            args.per_worker,
        )
    elif args.phase == "a":
        result = phase_transformers(model_dir, comments, batched=False)
    elif args.phase == "b":
        result = phase_transformers(model_dir, comments, batched=True)
    else:
        result = phase_product(
            model_dir,
            comments,
            Path(args.workdir) / "models",
            whole=args.phase == "c-whole",
            batch_size=args.batch_size,
        )
    result["peak_mib"] = peak_rss_mib()
    print("RESULT " + json.dumps(result))


def spawn(
    phase: str,
    args: argparse.Namespace,
    env: dict[str, str] | None = None,
    extra: list[str] | None = None,
) -> dict:
    command = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--workdir",
        args.workdir,
        "--comments",
        str(args.comments),
    ]
    if extra:
        command += extra
    elif args.batch_size:
        command += ["--batch-size", str(args.batch_size)]
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise SystemExit(f"phase {phase} failed:\n{done.stderr[-4000:]}")


def describe(label: str, result: dict) -> str:
    rate = result["tokens"] / result["seconds"]
    return (
        f"{label:<44} {rate:8.1f} tok/s  {result['tokens']:6d} tokens  "
        f"{result['outputs']:5d} outputs  {result['seconds']:7.1f} s  "
        f"peak {result['peak_mib']:6.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=200)
    parser.add_argument("--workdir", default=None, help="keep the built model here (reused)")
    parser.add_argument("--isa-sweep", action="store_true", help="only (c') per ISA/MKL setting")
    parser.add_argument(
        "--phases", default="a,b,c,c-whole", help="which of a,b,c,c-whole to run [all]"
    )
    parser.add_argument(
        "--batch-size", type=int, default=None, help="override the product's batch size in (c)"
    )
    parser.add_argument(
        "--defaults-sweep",
        choices=["marian", "nllb"],
        help="CTranslate2 int8 beam/batch/thread settings on the family's real shape",
    )
    parser.add_argument(
        "--settings", help="with --defaults-sweep: BEAMxBATCHxTHREADS_PER_WORKER,… to run"
    )
    parser.add_argument(
        "--phase", choices=["a", "b", "c", "c-whole", "sweep"], help=argparse.SUPPRESS
    )
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    parser.add_argument("--beam", type=int, default=4, help=argparse.SUPPRESS)
    parser.add_argument("--per-worker", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args)
        return
    temporary = args.workdir is None
    args.workdir = args.workdir or tempfile.mkdtemp(prefix="matome-bench-")
    try:
        if args.defaults_sweep:
            defaults_sweep(args)
            return
        started = time.perf_counter()
        build_model(Path(args.workdir))
        spawn("c-whole", args)  # converts the model once, outside the timings; warms the disk
        print(
            f"model built and converted in {time.perf_counter() - started:.0f} s; "
            f"{args.comments} comments, beam {BEAM}, {OUTPUT_TOKENS} target tokens each, "
            f"{os.cpu_count()} CPUs"
        )
        if args.isa_sweep:
            for isa in ("AVX2", "AVX512"):
                for mkl in ("0", "1"):
                    result = spawn("c-whole", args, {"CT2_FORCE_CPU_ISA": isa, "CT2_USE_MKL": mkl})
                    print(describe(f"(c') CT2_FORCE_CPU_ISA={isa} CT2_USE_MKL={mkl}", result))
            return
        phases = set(args.phases.split(","))
        results: dict[str, dict] = {}
        labels = {
            "a": "(a) transformers, one comment at a time",
            "b": f"(b) transformers, sorted, batches of {TORCH_BATCH}",
            "c": "(c) product default path (sentences, dedup)",
            "c-whole": "(c') product backend on whole comments",
        }
        for phase in ("a", "b", "c", "c-whole"):
            if phase in phases:
                results[phase] = spawn(phase, args)
                print(describe(labels[phase], results[phase]), flush=True)
        c = results.get("c") or results.get("c-whole")
        if c:
            print(
                f"    (c) = CTranslate2 {c['compute_type']}, ISA {c['isa']}, MKL {c['mkl']}, "
                f"{c['workers']} workers × 1 thread, batches of {c['batch_size']}"
            )

        def rate(phase: str) -> float:
            return results[phase]["tokens"] / results[phase]["seconds"]

        ratios = [
            f"({x})/({y}) = {rate(x) / rate(y):.1f}×".replace("(c-whole)", "(c')")
            for x, y in (("c", "a"), ("c", "b"), ("c-whole", "a"), ("c-whole", "b"), ("b", "a"))
            if x in results and y in results
        ]
        if ratios:
            print("ratios: " + "   ".join(ratios))
    finally:
        if temporary:
            shutil.rmtree(args.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
