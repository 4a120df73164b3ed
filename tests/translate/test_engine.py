"""The translator on tiny real models, through the product's loading path."""

from __future__ import annotations

import logging
import shutil
from html import escape
from pathlib import Path

import pytest

from matome_crawl.hn.text import comment_html_to_text
from matome_crawl.translate import (
    InMemoryTranslationMemory,
    Kind,
    ModelFormatError,
    ModelNotFoundError,
    Source,
    TranslationOptions,
    Translator,
    convert_model,
)
from matome_crawl.translate.backends import CTranslate2Backend, TransformersBackend
from matome_crawl.translate.options import ModelOutput
from tests.tiny_models import MARIAN_POSITIONS

CODE = "  def handler(event):\n      return {'status': 200}  # see http://localhost:8080/x"
URL = "https://example.com/some/path?q=1"


def html(text: str) -> Source:
    """A comment as the translation stage hands it over: HN's HTML made plain text by the
    HN parsers' own function."""
    return Source(comment_html_to_text(text), Kind.TEXT)


COMMENTS = [
    html(
        f'<p>I tried this last year. It works well.<p>Docs: <a href="{URL}">{URL}</a>'
        f"<pre><code>{CODE}</code></pre>The end."
    ),
    html("<p>&gt; It works well.<p>Not for me, it crashed twice."),
    Source("Show HN: A small tool for reading logs", Kind.TITLE),
    Source("Short one.", Kind.TEXT),
    Source("It works well. Not for me, it crashed twice. 東京 2024", Kind.TEXT),
]


class Spy:
    """Wraps a real backend and records what reaches the model."""

    def __init__(self, backend):
        self.backend = backend
        self.calls: list[list[str]] = []

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def translate(self, texts):
        self.calls.append(list(texts))
        return self.backend.translate(texts)

    @property
    def seen(self) -> list[str]:
        return [text for call in self.calls for text in call]


def spy_on(translator: Translator) -> tuple[Translator, Spy]:
    spy = Spy(translator.backend)
    return Translator(translator.options, model=translator.model, backend=spy), spy


@pytest.fixture(params=["ctranslate2", "transformers"])
def translator(request, marian_translator, marian_torch_translator) -> Translator:
    return marian_translator if request.param == "ctranslate2" else marian_torch_translator


def test_default_backend_is_ctranslate2_int8_with_beam_4(marian_translator, marian_dir):
    assert isinstance(marian_translator.backend, CTranslate2Backend)
    assert marian_translator.backend.compute_type == "int8"
    assert marian_translator.backend.beam == 4
    assert marian_translator.model_id == str(marian_dir.resolve())
    assert marian_translator.settings == "ctranslate2/int8/beam4/v2"


def test_transformers_overrides_the_models_own_beam(marian_torch_translator):
    generation = marian_torch_translator.backend.generation
    assert generation.num_beams == 4  # the saved config asks for 12, as FuguMT's does
    assert generation.max_length == MARIAN_POSITIONS  # a cap no sentence reaches


def test_order_is_preserved_and_batched_equals_one_by_one(translator):
    texts = [Source(f"Sentence number {i} is here.", Kind.TEXT) for i in range(12)]
    sources = [*COMMENTS, *texts, *reversed(COMMENTS)]
    batched = translator.translate(sources)
    single = [translator.translate([source])[0] for source in sources]
    assert [t.source for t in batched] == [s.text for s in sources]
    assert [t.text for t in batched] == [t.text for t in single]
    assert all(t.text for t in batched)
    assert len({t.text for t in batched[len(COMMENTS) : -len(COMMENTS)]}) > 1  # outputs differ
    assert [t.segments for t in batched] == [t.segments for t in single]


def test_segments_are_deduplicated_and_sorted_by_length(marian_translator):
    translator, spy = spy_on(marian_translator)
    translator.translate(COMMENTS)
    seen = spy.seen
    assert len(seen) == len(set(seen))
    assert seen.count("It works well.") == 1  # in three comments, translated once
    lengths = translator.backend.count_tokens(seen)
    assert lengths == sorted(lengths)


def test_code_and_urls_never_reach_the_model_and_come_back_untouched(translator):
    spied, spy = spy_on(translator)
    result = spied.translate(COMMENTS[:1])[0]
    assert CODE in result.text
    assert URL in result.text
    assert spy.seen  # the prose was translated
    for text in spy.seen:
        assert "http" not in text and "def handler" not in text
    assert "東京 2024" in spied.translate(COMMENTS[4:])[0].text


def test_quotes_keep_a_fullwidth_mark(translator):
    result = translator.translate(COMMENTS[1:2])[0]
    first, second = result.text.split("\n")
    assert first.startswith("＞") and not first.startswith("＞＞")
    assert not second.startswith("＞")


def test_title_prefix_is_left_out(translator):
    with_prefix, without = translator.translate(
        [COMMENTS[2], Source("A small tool for reading logs", Kind.TITLE)]
    )
    assert with_prefix.text == without.text
    assert "Show HN" not in with_prefix.text


def test_rerun_is_all_cache_hits(marian_translator):
    memory = InMemoryTranslationMemory()
    translator, spy = spy_on(marian_translator)
    first = translator.translate(COMMENTS, memory=memory)
    assert sum(t.cache_hits for t in first) == 0
    calls = len(spy.calls)
    done: list[int] = []
    second = translator.translate(COMMENTS, memory=memory, progress=done.append)
    assert len(spy.calls) == calls  # the model was not called again
    assert [t.text for t in second] == [t.text for t in first]
    assert all(t.cache_hits == t.segments for t in second)
    assert sum(done) == len(memory.entries)


@pytest.mark.slow
def test_a_3000_word_comment_loses_no_paragraph(translator, corpus):
    english = (corpus / "en.txt").read_text(encoding="utf-8").split("\n")
    words = " ".join(english[2000:6000]).split()
    paragraphs = []
    for i in range(0, 2700, 90):
        paragraphs.append(escape(" ".join(words[i : i + 90]).replace(".", "") + "."))
    # one run-on "sentence" of 300 words without any punctuation: must be split, not cut
    paragraphs.append(escape(" ".join(w.strip(".,;:!?") for w in words[2700:3000])))
    markup = "<p>".join(paragraphs)
    spied, spy = spy_on(translator)
    result = spied.translate([html(markup)])[0]
    lines = result.text.split("\n")
    assert len(lines) == len(paragraphs) and all(line.strip() for line in lines)
    assert max(spied.backend.count_tokens(spy.seen)) <= spied.max_segment_tokens
    # the run-on paragraph was cut into several segments that hold every word, in order
    run_on = spied.plan([Source(paragraphs[-1])]).sources[0].document
    pieces = [p.text for p in run_on.blocks[0].lines[0].pieces]
    assert len(pieces) > 1
    assert " ".join(pieces).split() == paragraphs[-1].split()


def test_segment_the_model_fails_on_is_kept_in_english(translator, caplog):
    # An explicit segment limit past the model's 128 positions lets an over-long sentence
    # through: the real model fails on it (IndexError / CTranslate2 RuntimeError).
    options = TranslationOptions(
        model=translator.options.model,
        backend=translator.options.backend,
        models_dir=translator.options.models_dir,
        max_segment_tokens=1000,
    )
    unchecked = Translator(options, model=translator.model, backend=translator.backend)
    long_sentence = " ".join(["verylongwordhere"] * 60) + "."
    sources = [Source(f"Fine here. {long_sentence} Also fine.", Kind.TEXT), Source("Ok then.")]
    with caplog.at_level(logging.WARNING, logger="matome_crawl.translate"):
        first, second = unchecked.translate(sources)
    assert first.untranslated == 1 and second.untranslated == 0
    assert long_sentence in first.text
    assert first.text != f"Fine here. {long_sentence} Also fine."  # the rest was translated
    assert any("kept in English" in r.getMessage() for r in caplog.records)
    memory = InMemoryTranslationMemory()
    unchecked.translate(sources, memory=memory)
    assert long_sentence not in memory.entries  # a later run tries it again


class Blanking(Spy):
    """A real backend whose output for one segment is made empty, as when a model emits only
    special tokens."""

    def translate(self, texts):
        outputs = self.backend.translate(texts)
        return [
            ModelOutput("", ()) if "blank" in t else o for t, o in zip(texts, outputs, strict=True)
        ]


def test_an_empty_output_is_a_failure_kept_in_english(marian_translator):
    blanking = Translator(
        marian_translator.options,
        model=marian_translator.model,
        backend=Blanking(marian_translator.backend),
    )
    result = blanking.translate([Source("First one. Please blank this sentence. Last one.")])[0]
    assert result.untranslated == 1 and result.segments == 3
    assert "Please blank this sentence." in result.text
    assert not result.text.startswith("First one.")


def test_ctranslate2_greedy_gives_the_same_tokens_as_transformers(
    marian_dir, marian_ct2_dir, corpus
):
    sentences = [
        s for s in (corpus / "en.txt").read_text().split("\n")[100:400] if 10 < len(s) < 90
    ]
    sentences = sentences[:40]
    reference = Translator.load(
        TranslationOptions(model=str(marian_dir), backend="transformers", beam=1, threads=1)
    )
    converted = Translator.load(
        TranslationOptions(model=str(marian_ct2_dir), compute_type="float32", beam=1)
    )
    expected = reference.backend.translate(sentences)
    got = converted.backend.translate(sentences)
    assert [o.token_ids for o in got] == [o.token_ids for o in expected]
    assert {len(o.token_ids) for o in expected} != {MARIAN_POSITIONS - 1}  # not all capped


def test_nllb_through_both_backends(nllb_dir, models_dir, corpus):
    sentences = [
        s for s in (corpus / "en.txt").read_text().split("\n")[500:700] if 10 < len(s) < 60
    ]
    sentences = sentences[:12]
    torch_nllb = Translator.load(
        TranslationOptions(model=str(nllb_dir), backend="transformers", beam=1, threads=1)
    )
    assert isinstance(torch_nllb.backend, TransformersBackend)
    assert torch_nllb.model.family == "nllb"
    target = torch_nllb.backend.tokenizer.convert_tokens_to_ids("jpn_Jpan")
    assert torch_nllb.backend.generation.forced_bos_token_id == target
    out = convert_model(str(nllb_dir), models_dir / "nllb-float32", quantization="float32")
    ct2_nllb = Translator.load(TranslationOptions(model=out.path, compute_type="float32", beam=1))
    expected = torch_nllb.backend.translate(sentences)
    assert [o.token_ids for o in ct2_nllb.backend.translate(sentences)] == [
        o.token_ids for o in expected
    ]
    assert all(o.text for o in expected)
    results = ct2_nllb.translate([Source(s) for s in sentences[:3]])
    assert [r.untranslated for r in results] == [0, 0, 0]


def test_hub_name_resolves_from_the_local_cache_and_converts_once(
    marian_dir, tmp_path, monkeypatch
):
    cache = tmp_path / "hf-cache"
    snapshot = cache / "models--test-org--tiny-marian" / "snapshots" / ("0" * 40)
    shutil.copytree(marian_dir, snapshot)
    (cache / "models--test-org--tiny-marian" / "refs").mkdir()
    (cache / "models--test-org--tiny-marian" / "refs" / "main").write_text("0" * 40)
    options = TranslationOptions(
        model="test-org/tiny-marian", cache_dir=str(cache), models_dir=str(tmp_path / "models")
    )
    translator = Translator.load(options)
    assert translator.model_id == "test-org/tiny-marian"
    converted = Path(translator.model.path)
    assert converted.parent == tmp_path / "models" and (converted / "model.bin").is_file()
    stamp = (converted / "model.bin").stat().st_mtime_ns
    again = Translator.load(options)
    assert (Path(again.model.path) / "model.bin").stat().st_mtime_ns == stamp
    torch_options = TranslationOptions(
        model="test-org/tiny-marian", cache_dir=str(cache), backend="transformers"
    )
    assert Translator.load(torch_options).model.path == str(snapshot)


@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_missing_model_is_one_clear_error(backend, tmp_path):
    options = TranslationOptions(
        model="nobody/no-such-model",
        backend=backend,
        cache_dir=str(tmp_path / "empty-cache"),
        models_dir=str(tmp_path / "models"),
    )
    with pytest.raises(ModelNotFoundError) as caught:
        Translator.load(options)
    message = str(caught.value)
    assert "nobody/no-such-model" in message
    assert "matome model download nobody/no-such-model" in message
    assert "--model PATH" in message
    assert "\n" not in message
    with pytest.raises(ModelNotFoundError, match="no such directory"):
        Translator.load(TranslationOptions(model=str(tmp_path / "nowhere"), backend=backend))


def test_a_converted_model_needs_the_ctranslate2_backend(marian_ct2_dir, tmp_path):
    with pytest.raises(ModelFormatError, match="--backend ctranslate2"):
        Translator.load(TranslationOptions(model=str(marian_ct2_dir), backend="transformers"))
    with pytest.raises(ModelFormatError, match="not a model directory"):
        Translator.load(TranslationOptions(model=str(tmp_path)))
