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
import importlib, json, os, pkgutil, sys
environment = dict(os.environ)
import matome_crawl.translate as package
names = [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
for name in names:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m == "db" or m.startswith(("db.", "matome_crawl.hn")))
options = package.TranslationOptions(model=sys.argv[1], backend="transformers", threads=1)
assert package.Translator.load(options).translate(["It works."])[0].text
changed = sorted(k for k in {*environment, *os.environ} if environment.get(k) != os.environ.get(k))
print(json.dumps({"submodules": names, "forbidden": loaded, "environ_changed": changed}))
"""


def user_environment() -> dict[str, str]:
    """This process's environment less what torch put there when the tests imported it."""
    return {k: v for k, v in os.environ.items() if k != "TORCHINDUCTOR_CACHE_DIR"}


def test_the_translator_imports_nothing_of_the_archive_or_hn(marian_dir):
    """In a fresh process, where the first load imports the libraries: importing
    transformers' model code imported torch._dynamo, which set TORCHINDUCTOR_CACHE_DIR."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING, str(marian_dir)],
        cwd=REPO_ROOT,
        env={**user_environment(), "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert "matome_crawl.translate.engine" in found["submodules"]
    assert len(found["submodules"]) >= 6
    assert found["forbidden"] == []
    assert found["environ_changed"] == []


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
