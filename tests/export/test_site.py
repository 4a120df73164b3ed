"""`matome site init` and finding Hugo."""

from __future__ import annotations

import tomllib
from pathlib import Path

from click.testing import CliRunner

from matome_crawl.cli import cli
from matome_crawl.export import find_hugo, init_site
from matome_crawl.export.site import SiteFileStatus

EXPECTED = {
    "hugo.toml",
    "content/posts/_index.md",
    "layouts/_default/baseof.html",
    "layouts/_default/list.html",
    "layouts/_default/single.html",
    "layouts/shortcodes/matomeQuote.html",
    "layouts/shortcodes/details.html",
}


def test_init_writes_a_japanese_site_with_tags_and_months(tmp_path: Path) -> None:
    files = init_site(tmp_path / "site", title='テスト\'s "site"', base_url="https://x.test/")
    assert {f.path.as_posix() for f in files} == EXPECTED
    assert {f.status for f in files} == {SiteFileStatus.WRITTEN}
    config = tomllib.loads((tmp_path / "site/hugo.toml").read_text(encoding="utf-8"))
    assert config["title"] == 'テスト\'s "site"'
    assert config["baseURL"] == "https://x.test/"
    assert config["defaultContentLanguage"] == "ja"
    assert config["taxonomies"] == {"tag": "tags", "month": "months"}
    assert config["markup"]["goldmark"]["renderer"]["unsafe"] is False


def test_init_keeps_existing_files_unless_forced(tmp_path: Path) -> None:
    site = tmp_path / "site"
    init_site(site)
    (site / "hugo.toml").write_text("# mine\n", encoding="utf-8")
    statuses = {f.path.as_posix(): f.status for f in init_site(site)}
    assert statuses["hugo.toml"] == SiteFileStatus.KEPT
    assert statuses["layouts/_default/list.html"] == SiteFileStatus.UNCHANGED
    assert (site / "hugo.toml").read_text(encoding="utf-8") == "# mine\n"
    forced = {f.path.as_posix(): f.status for f in init_site(site, force=True)}
    assert forced["hugo.toml"] == SiteFileStatus.OVERWRITTEN


def test_site_init_command(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["site", "init", str(tmp_path / "s"), "--title", "まとめ"])
    assert result.exit_code == 0, result.output
    assert result.output.count("written") == len(EXPECTED)
    (tmp_path / "s/hugo.toml").write_text("x", encoding="utf-8")
    again = runner.invoke(cli, ["site", "init", str(tmp_path / "s")])
    assert again.exit_code == 0
    assert "1 existing files differ and were kept (use --force to overwrite)" in again.output
    (tmp_path / "file").write_text("x", encoding="utf-8")
    bad = runner.invoke(cli, ["site", "init", str(tmp_path / "file")])
    assert bad.exit_code != 0


def test_find_hugo_finds_a_binary() -> None:
    hugo = find_hugo()
    assert hugo is not None and hugo.is_file()
