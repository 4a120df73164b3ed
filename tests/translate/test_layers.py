"""The translator is a library apart: it imports nothing of the archive or of HN, and
changes nothing process-wide (issue 8, "Layers")."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from matome_crawl.translate import TranslationOptions, Translator
from tests.conftest import REPO_ROOT

IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import matome_crawl.translate as package
names = [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
for name in names:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m == "db" or m.startswith(("db.", "matome_crawl.hn")))
print(json.dumps({"submodules": names, "forbidden": loaded}))
"""


def test_the_translator_imports_nothing_of_the_archive_or_hn():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = json.loads(result.stdout)
    assert "matome_crawl.translate.engine" in found["submodules"]
    assert len(found["submodules"]) >= 6
    assert found["forbidden"] == []


def test_what_an_import_puts_in_the_environment_while_loading_is_taken_back(tmp_path, monkeypatch):
    """Importing transformers' model code imports torch._dynamo, which sets
    TORCHINDUCTOR_CACHE_DIR: a process's first model load changed os.environ (the test
    below saw it only when it was the first in its process to load one). A module that
    does the same, imported while a model loads, leaves nothing behind."""
    from matome_crawl.translate.backends import contained_transformers

    (tmp_path / "sets_a_variable.py").write_text(
        "import os\nos.environ['MATOME_TEST_SET_ON_IMPORT'] = '1'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("MATOME_TEST_SET_ON_IMPORT", raising=False)
    monkeypatch.setenv("MATOME_TEST_KEPT", "as it was")
    with contained_transformers():
        import sets_a_variable  # noqa: F401

        assert os.environ["MATOME_TEST_SET_ON_IMPORT"] == "1"
    assert "MATOME_TEST_SET_ON_IMPORT" not in os.environ
    assert os.environ["MATOME_TEST_KEPT"] == "as it was"


def test_loading_and_translating_change_no_process_wide_setting(marian_dir, tmp_path, monkeypatch):
    import torch

    from matome_crawl.translate import cpu

    # A known state, whatever earlier tests in this process did: no ISA variable (the
    # `matome` command sets it, the library must not), and more torch threads than the
    # translator is given.
    monkeypatch.delenv(cpu.ISA_ENV, raising=False)
    cpu.configure_ctranslate2_cpu.cache_clear()
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    environment = dict(os.environ)
    for backend in ("ctranslate2", "transformers"):
        options = TranslationOptions(
            model=str(marian_dir), backend=backend, threads=1, models_dir=str(tmp_path)
        )
        translator = Translator.load(options)
        assert translator.translate(["It works."])[0].text
    after = torch.get_num_threads()
    torch.set_num_threads(threads)
    assert dict(os.environ) == environment  # no CT2_FORCE_CPU_ISA or anything else
    assert after == 2


def test_the_constructor_never_converts(marian_dir, tmp_path):
    import pytest

    from matome_crawl.translate import ModelFormatError

    options = TranslationOptions(model=str(marian_dir), models_dir=str(tmp_path / "models"))
    with pytest.raises(ModelFormatError, match="not converted for CTranslate2 yet"):
        Translator(options)
    assert not (tmp_path / "models").exists()
    assert Translator.load(options).model.format == "ctranslate2"
    assert Translator(options).model.format == "ctranslate2"  # the kept conversion
