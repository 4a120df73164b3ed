"""Tiny real models, built once per test session, offline.

SentencePiece models are trained on the English/Japanese string pairs of the system's
gettext catalogues (``/usr/share/locale/ja/LC_MESSAGES/*.mo``); a random-init MarianMT
model (d_model 64, 2+2 layers) and an NLLB-architecture M2M100 model are saved with
``save_pretrained`` and loaded by the tests through the product's own loading path
(``HF_HUB_OFFLINE=1`` is set by the root conftest).
"""

from __future__ import annotations

import json
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from matome_crawl.translate import TranslationOptions, Translator, convert_model

MO_DIR = Path("/usr/share/locale/ja/LC_MESSAGES")
MIN_PAIRS = 5000
MARIAN_POSITIONS = 128
NLLB_POSITIONS = 64


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``en.txt`` and ``ja.txt``: one gettext msgid/msgstr pair per line."""
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
    directory = tmp_path_factory.mktemp("corpus")
    (directory / "en.txt").write_text("\n".join(english), encoding="utf-8")
    (directory / "ja.txt").write_text("\n".join(japanese), encoding="utf-8")
    return directory


def _train(corpus_files: list[Path], prefix: Path, vocab_size: int, model_type: str) -> Path:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        input=",".join(str(f) for f in corpus_files),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=0.995,
        input_sentence_size=20000,
        shuffle_input_sentence=False,  # the first lines, not a random sample: same models each run
        num_threads=2,
        minloglevel=2,
    )
    return prefix.with_suffix(".model")


@pytest.fixture(scope="session")
def marian_dir(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-init MarianMT model with FuguMT's layout (separate en/ja SentencePiece
    models, one joint vocabulary, ``<pad>`` last as the decoder start)."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    work = tmp_path_factory.mktemp("spm-marian")
    source_spm = _train([corpus / "en.txt"], work / "en", 1000, "unigram")
    target_spm = _train([corpus / "ja.txt"], work / "ja", 1000, "unigram")
    directory = tmp_path_factory.mktemp("tiny-marian")
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
    return directory


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
    yield Translator(TranslationOptions(model=str(marian_dir), models_dir=str(models_dir)))


@pytest.fixture(scope="session")
def marian_torch_translator(marian_dir: Path) -> Translator:
    return Translator(TranslationOptions(model=str(marian_dir), backend="transformers"))
