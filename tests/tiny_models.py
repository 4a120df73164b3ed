"""Tiny real models, built once per test session, offline.

SentencePiece models are trained on the English/Japanese string pairs of the system's
gettext catalogues (``/usr/share/locale/ja/LC_MESSAGES/*.mo``); a random-init MarianMT
model (d_model 64, 2+2 layers) and an NLLB-architecture M2M100 model are saved with
``save_pretrained`` and loaded by the tests through the product's own loading path
(``HF_HUB_OFFLINE=1`` is set by the root conftest).
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from matome_crawl.translate import TranslationOptions, Translator, convert_model

MO_DIR = Path("/usr/share/locale/ja/LC_MESSAGES")
MIN_PAIRS = 5000
MARIAN_POSITIONS = 128
NLLB_POSITIONS = 64
# Lines a SentencePiece model trains on. Unigram training takes about 0.2 s per 1,000
# lines here, BPE 0.01 s: the Marian and NLLB models use BPE, and FuguMT's joint unigram
# model (its published kind) trains on 5,000 lines. Tests compare outputs across engines
# and batchings, and a random model's quirks (long outputs that a batch's padding can
# tip) depend on its vocabulary: a change here needs the whole suite run.
SPM_LINES = 20000
FUGUMT_SPM_LINES = 5000


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """The directory ``build`` fills, built once per test run: pytest-xdist's workers share
    it (the first builds it under a lock, the others wait and read it)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's directory, above each worker's own
    target = root / f"built-{name}"
    with open(root / f".built-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.is_dir():
            work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
            build(work)
            work.rename(target)
    return target


def files_of(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def write_files(directory: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (directory / name).write_bytes(data)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``en.txt`` and ``ja.txt``: one gettext msgid/msgstr pair per line."""
    return built_once(tmp_path_factory, "corpus", _write_corpus)


def _write_corpus(directory: Path) -> None:
    import polib

    english: list[str] = []
    japanese: list[str] = []
    for path in sorted(MO_DIR.glob("*.mo")):
        for entry in polib.mofile(str(path)):
            if entry.msgid and entry.msgstr:
                english.append(" ".join(entry.msgid.split()))
                japanese.append(" ".join(entry.msgstr.split()))
    if len(english) < MIN_PAIRS:
        pytest.fail(
            f"only {len(english)} string pairs in {MO_DIR}: the tests need the ja catalogues"
        )
    (directory / "en.txt").write_text("\n".join(english), encoding="utf-8")
    (directory / "ja.txt").write_text("\n".join(japanese), encoding="utf-8")


def _train(corpus_files: list[Path], prefix: Path, vocab_size: int, model_type: str) -> Path:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        input=",".join(str(f) for f in corpus_files),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=0.995,
        input_sentence_size=SPM_LINES,
        shuffle_input_sentence=False,  # the first lines, not a random sample: same models each run
        num_threads=2,
        minloglevel=2,
    )
    return prefix.with_suffix(".model")


@pytest.fixture(scope="session")
def marian_dir(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-init MarianMT model with FuguMT's layout (separate en/ja SentencePiece
    models, one joint vocabulary, ``<pad>`` last as the decoder start)."""

    def build(directory: Path) -> None:
        _build_marian(corpus, tmp_path_factory.mktemp("spm-marian"), directory)

    return built_once(tmp_path_factory, "tiny-marian", build)


def _build_marian(corpus: Path, work: Path, directory: Path) -> None:
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    source_spm = _train([corpus / "en.txt"], work / "en", 1000, "bpe")
    target_spm = _train([corpus / "ja.txt"], work / "ja", 1000, "bpe")
    shutil.copy(source_spm, directory / "source.spm")
    shutil.copy(target_spm, directory / "target.spm")
    vocab = {"</s>": 0, "<unk>": 1}
    for model_file in (source_spm, target_spm):
        processor = spm.SentencePieceProcessor(model_file=str(model_file))
        for i in range(processor.get_piece_size()):
            piece = processor.id_to_piece(i)
            if not processor.is_control(i) and not processor.is_unknown(i):
                vocab.setdefault(piece, len(vocab))
    vocab["<pad>"] = len(vocab)
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        tokenizer = MarianTokenizer(
            str(directory / "source.spm"),
            str(directory / "target.spm"),
            str(directory / "vocab.json"),
        )
    tokenizer.save_pretrained(directory)

    torch.manual_seed(0)
    config = MarianConfig(
        vocab_size=len(vocab),
        d_model=64,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=128,
        decoder_ffn_dim=128,
        max_position_embeddings=MARIAN_POSITIONS,
        pad_token_id=vocab["<pad>"],
        decoder_start_token_id=vocab["<pad>"],
        eos_token_id=0,
        forced_eos_token_id=0,
        scale_embedding=True,
        init_std=0.3,  # wide enough that the output depends on the input
    )
    model = MarianMTModel(config).eval()
    with torch.no_grad():
        # Random weights seldom pick the end token; a bias on it gives outputs of varied,
        # mostly short lengths, as a trained model's are.
        model.final_logits_bias[0, 0] = 10.0
        # ... and a trained model seldom says <unk>, which decodes to nothing (an output
        # the translator counts as a failure and keeps in English).
        model.final_logits_bias[0, 1] = -10.0
    model.generation_config.max_length = MARIAN_POSITIONS
    model.generation_config.num_beams = 12  # as FuguMT ships: the product must override it
    model.save_pretrained(directory)


@pytest.fixture(scope="session")
def nllb_dir(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-init NLLB-architecture model (M2M100) with an NLLB tokenizer."""
    import sentencepiece as spm
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.tokenization_utils_base import generate_merges

    work = tmp_path_factory.mktemp("spm-nllb")
    bpe = _train([corpus / "en.txt", corpus / "ja.txt"], work / "bpe", 2000, "bpe")
    processor = spm.SentencePieceProcessor(model_file=str(bpe))
    specials = ("<s>", "<pad>", "</s>", "<unk>")
    vocab = {token: i for i, token in enumerate(specials)}  # fairseq's order, as NLLB's
    scores: dict[str, float] = {}
    for i in range(processor.get_piece_size()):
        if processor.is_control(i) or processor.is_unknown(i):
            continue
        piece = processor.id_to_piece(i)
        if piece not in vocab:
            vocab[piece] = len(vocab)
            scores[piece] = processor.get_score(i)
    merges = generate_merges(vocab, scores, skip_tokens=set(specials))
    tokenizer = NllbTokenizer(vocab=vocab, merges=merges, src_lang="eng_Latn", tgt_lang="jpn_Jpan")
    directory = tmp_path_factory.mktemp("tiny-nllb")
    tokenizer.save_pretrained(directory)

    torch.manual_seed(0)
    config = M2M100Config(
        vocab_size=len(tokenizer),
        d_model=64,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=128,
        decoder_ffn_dim=128,
        max_position_embeddings=NLLB_POSITIONS,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_eos_token_id=2,
        scale_embedding=True,
        init_std=0.3,
    )
    model = M2M100ForConditionalGeneration(config).eval()
    with torch.no_grad():
        # Language codes and <mask> come after the SentencePiece pieces: a random model
        # would emit them (they decode to nothing). A zero row keeps them unlikely.
        model.model.shared.weight[len(vocab) :] = 0.0
    model.generation_config.max_length = NLLB_POSITIONS
    model.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def marian_ct2_dir(marian_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Marian model converted by the product (float32, to compare tokens exactly)."""
    out = tmp_path_factory.mktemp("ct2") / "tiny-marian-float32"
    convert_model(str(marian_dir), out, quantization="float32")
    return out


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def marian_translator(marian_dir: Path, models_dir: Path) -> Iterator[Translator]:
    """The product's default backend (CTranslate2, int8) on the tiny Marian model."""
    yield Translator.load(TranslationOptions(model=str(marian_dir), models_dir=str(models_dir)))


# torch's intra-op threads wait on each other at every operation: on the project's shared
# 2-core machine one thread ran the transformers tests about 4× faster than two.
TORCH_TEST_THREADS = 1


@pytest.fixture(scope="session")
def marian_torch_translator(marian_dir: Path) -> Translator:
    return Translator.load(
        TranslationOptions(
            model=str(marian_dir), backend="transformers", threads=TORCH_TEST_THREADS
        )
    )


# ----------------------------------------------------------- the published layouts

SHARED_MODELS = Path(__file__).resolve().parent.parent.parent / "shared" / "models"
FUGUMT = "staka/fugumt-en-ja"
FUGUMT_FILES = SHARED_MODELS / "staka--fugumt-en-ja"
FUGUMT_REVISION = "fbb91252110cf97d90291eb808629ab0b10f7928"  # main, 2023-08-15
FUGUMT_2022_REVISION = "8227fda" + "0" * 33  # the first layout (short hash as the README has it)
NLLB = "facebook/nllb-200-distilled-600M"
NLLB_FILES = SHARED_MODELS / "facebook--nllb-200-distilled-600M"
NLLB_REVISION = "f8d333a" + "0" * 33
# The 2022 special_tokens_map.json (65 bytes), as FuguMT's first commit had it.
FUGUMT_2022_SPECIAL_TOKENS = '{"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}'


def hub_cache_put(cache: Path, repo_id: str, revision: str, source: Path) -> Path:
    """Lay the files of ``source`` out as huggingface_hub leaves a download: content in
    ``blobs/`` (hard links to the built files, which tests must therefore never write to),
    ``snapshots/<revision>/`` of relative symlinks to them, ``refs/main``."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / revision
    (repo / "blobs").mkdir(parents=True, exist_ok=True)
    snapshot.mkdir(parents=True, exist_ok=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(revision)
    for file in sorted(source.iterdir()):
        digest = _sha256(file)
        blob = repo / "blobs" / digest
        if not blob.exists():
            os.link(file, blob)
        (snapshot / file.name).symlink_to(Path("..", "..", "blobs", digest))
    return snapshot


@functools.cache
def _sha256(file: Path) -> str:
    with open(file, "rb") as data:
        return hashlib.file_digest(data, "sha256").hexdigest()


def _fugumt_files(corpus: Path, work: Path) -> dict[str, bytes]:
    """Every file of FuguMT's repo: the JSON files verbatim from ``../shared/models``, one joint
    SentencePiece model as ``source.spm`` and ``target.spm`` (``</s>`` = 0, ``<unk>`` = 1),
    ``vocab.json`` of 32,001 entries with ``<pad>`` = 32000 (ASCII-escaped), and random
    weights of the config's own shape as the only weight file, a ``pytorch_model.bin``
    (float16) whose tied embeddings share one storage."""
    import io

    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel

    spm.SentencePieceTrainer.train(
        input=f"{corpus / 'en.txt'},{corpus / 'ja.txt'}",
        model_prefix=str(work / "joint"),
        vocab_size=2000,
        model_type="unigram",
        character_coverage=0.995,
        input_sentence_size=FUGUMT_SPM_LINES,
        shuffle_input_sentence=False,
        num_threads=2,
        minloglevel=2,
        eos_id=0,
        unk_id=1,
        bos_id=-1,
        pad_id=-1,
    )
    processor = spm.SentencePieceProcessor(model_file=str(work / "joint.model"))
    config_text = (FUGUMT_FILES / "config.json").read_text(encoding="utf-8")
    config_json = json.loads(config_text)
    size = config_json["vocab_size"]
    pad = config_json["pad_token_id"]
    vocab = {processor.id_to_piece(i): i for i in range(processor.get_piece_size())}
    pieces = len(vocab)
    for i in range(pieces, pad):  # the real vocabulary is 32k pieces: fill the rest
        vocab[f"<unused{i}>"] = i
    vocab["<pad>"] = pad
    assert len(vocab) == size

    config = MarianConfig.from_dict(config_json)
    config.init_std = 0.3  # wide enough that the output depends on the input
    torch.manual_seed(0)
    model = MarianMTModel(config).eval()
    with torch.no_grad():
        bias = model.final_logits_bias[0]
        bias[pieces:] = -100.0  # never the filler pieces, nor <pad>
        bias[1] = -100.0  # nor <unk> (decodes to nothing)
        bias[0] = 28.0  # the end token: outputs of a few tokens, as a trained model's
    buffer = io.BytesIO()
    torch.save(model.half().state_dict(), buffer)
    spm_bytes = (work / "joint.model").read_bytes()
    files = {
        "config.json": config_text.encode("utf-8"),
        "tokenizer_config.json": (FUGUMT_FILES / "tokenizer_config.json").read_bytes(),
        "source.spm": spm_bytes,
        "target.spm": spm_bytes,
        "vocab.json": json.dumps(vocab, indent=2).encode("ascii"),
        "pytorch_model.bin": buffer.getvalue(),
        "generation_config.json": (FUGUMT_FILES / "generation_config.json").read_bytes(),
        "special_tokens_map.json": (FUGUMT_FILES / "special_tokens_map.json").read_bytes(),
    }
    return files


@pytest.fixture(scope="session")
def fugumt_files(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of FuguMT's files (see :func:`_fugumt_files`), built once per run."""

    def build(directory: Path) -> None:
        write_files(directory, _fugumt_files(corpus, tmp_path_factory.mktemp("fugumt")))

    return built_once(tmp_path_factory, "fugumt-files", build)


@pytest.fixture(scope="session")
def fugumt_2022_files(fugumt_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same model in the 2022 layout: float32 weights, no generation_config.json,
    the 65-byte special tokens map."""

    def build(directory: Path) -> None:
        write_files(directory, _fugumt_2022(files_of(fugumt_files)))

    return built_once(tmp_path_factory, "fugumt-2022-files", build)


def _fugumt_2022(fugumt_files: dict[str, bytes]) -> dict[str, bytes]:
    import io

    import torch

    weights = torch.load(io.BytesIO(fugumt_files["pytorch_model.bin"]), weights_only=True)
    buffer = io.BytesIO()
    cast: dict[int, torch.Tensor] = {}  # tied tensors stay one storage
    for tensor in weights.values():
        cast.setdefault(tensor.data_ptr(), tensor.float())
    torch.save({name: cast[tensor.data_ptr()] for name, tensor in weights.items()}, buffer)
    files = {k: v for k, v in fugumt_files.items() if k != "generation_config.json"}
    files["special_tokens_map.json"] = FUGUMT_2022_SPECIAL_TOKENS.encode()
    files["pytorch_model.bin"] = buffer.getvalue()
    return files


# NLLB shrunk consistently: 2,000 SentencePiece pieces instead of 256,000, the same 202
# language codes after them, and a small network (the JSON files' other fields verbatim).
NLLB_PIECES = 2000
NLLB_SHRUNK = {
    "d_model": 64,
    "encoder_layers": 2,
    "decoder_layers": 2,
    "num_hidden_layers": 2,
    "encoder_attention_heads": 4,
    "decoder_attention_heads": 4,
    "encoder_ffn_dim": 128,
    "decoder_ffn_dim": 128,
}


def _nllb_files(corpus: Path, work: Path) -> dict[str, bytes]:
    """NLLB-200's repo, shrunk: its JSON files with ``vocab_size`` (and the network's
    size) changed and nothing else, a SentencePiece BPE ``sentencepiece.bpe.model`` in
    fairseq's id convention (piece id + 1 after ``<s> <pad> </s> <unk>``), the language
    codes after the pieces and ``<mask>`` last, the fast ``tokenizer.json`` made from
    them, and a float32 ``pytorch_model.bin``."""
    import io

    import sentencepiece as spm
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.tokenization_utils_base import generate_merges

    spm.SentencePieceTrainer.train(
        input=f"{corpus / 'en.txt'},{corpus / 'ja.txt'}",
        model_prefix=str(work / "bpe"),
        vocab_size=NLLB_PIECES,
        model_type="bpe",
        character_coverage=0.995,
        input_sentence_size=SPM_LINES,
        shuffle_input_sentence=False,
        num_threads=2,
        minloglevel=2,
    )
    processor = spm.SentencePieceProcessor(model_file=str(work / "bpe.model"))
    specials = ("<s>", "<pad>", "</s>", "<unk>")
    vocab = {token: i for i, token in enumerate(specials)}
    scores: dict[str, float] = {}
    for i in range(processor.get_piece_size()):
        if processor.is_control(i) or processor.is_unknown(i):
            continue
        vocab[processor.id_to_piece(i)] = i + 1  # fairseq's offset
        scores[processor.id_to_piece(i)] = processor.get_score(i)
    codes = json.loads((NLLB_FILES / "special_tokens_map.json").read_text())[
        "additional_special_tokens"
    ]
    base = processor.get_piece_size() + 1
    for i, code in enumerate(codes):
        vocab[code] = base + i
    vocab["<mask>"] = base + len(codes)
    merges = generate_merges(vocab, scores, skip_tokens=set(specials) | set(codes) | {"<mask>"})
    tokenizer = NllbTokenizer(vocab=vocab, merges=merges, src_lang="eng_Latn", tgt_lang="jpn_Jpan")
    saved = work / "saved-tokenizer"
    tokenizer.save_pretrained(saved)

    config_json = json.loads((NLLB_FILES / "config.json").read_text())
    real_extra = config_json["vocab_size"] - (256000 + 1 + len(codes) + 1)  # 2 spare rows
    config_json["vocab_size"] = len(vocab) + real_extra
    config_json.update(NLLB_SHRUNK)
    config = M2M100Config.from_dict(config_json)
    config.init_std = 0.3
    torch.manual_seed(0)
    model = M2M100ForConditionalGeneration(config).eval()
    with torch.no_grad():
        # Language codes and <mask> decode to nothing: a zero row keeps them unlikely.
        model.model.shared.weight[base:] = 0.0
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return {
        "config.json": json.dumps(config_json, indent=2).encode(),
        "generation_config.json": (NLLB_FILES / "generation_config.json").read_bytes(),
        "tokenizer_config.json": (NLLB_FILES / "tokenizer_config.json").read_bytes(),
        "special_tokens_map.json": (NLLB_FILES / "special_tokens_map.json").read_bytes(),
        "sentencepiece.bpe.model": (work / "bpe.model").read_bytes(),
        "tokenizer.json": (saved / "tokenizer.json").read_bytes(),
        "pytorch_model.bin": buffer.getvalue(),
    }


@pytest.fixture(scope="session")
def nllb_files(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of NLLB-200's files, shrunk (see :func:`_nllb_files`), built once per run."""

    def build(directory: Path) -> None:
        write_files(directory, _nllb_files(corpus, tmp_path_factory.mktemp("nllb-published")))

    return built_once(tmp_path_factory, "nllb-files", build)
