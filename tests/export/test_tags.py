"""Tag rules: the shipped file's coverage, ordering, limits and user extensions."""

from __future__ import annotations

from pathlib import Path

import pytest

from matome_crawl.export import TagRulesError, load_tag_rules
from matome_crawl.export.tags import DEFAULT_RULES, iter_rule_tags, story_host


@pytest.fixture(scope="module")
def rules():
    return load_tag_rules()


@pytest.mark.parametrize(
    ("title", "domain", "expected"),
    [
        ("LIMO: Less Is More for Reasoning", "arxiv.org", ["学術論文", "研究", "人工知能"]),
        ("Fair pricing", "blog.kagi.com", ["Kagi", "価格設定"]),
        ("Chat Control proposal fails again after public opposition", None, ["プライバシー"]),
        ("Rust 1.85 released", "blog.rust-lang.org", ["Rust", "プログラミング"]),
        ("Writing an interpreter in Go", None, ["プログラミング", "Go言語"]),
        ("Show HN: A tiny SQLite browser", "github.com/someone", ["オープンソース", "個人開発"]),
        ("Ask HN: How do you deal with burnout?", None, ["質問", "心理学"]),
        ("NASA's Voyager 1 resumes sending data", "nasa.gov", ["宇宙"]),
        ("Apple's new M5 chip", "apple.com", ["Apple", "ハードウェア"]),
        ("Critical OpenSSH vulnerability allows RCE", None, ["セキュリティ"]),
        ("The economics of inflation and interest rates", None, ["経済"]),
        ("Tesla recalls Cybertruck", None, ["Tesla", "電気自動車"]),
        ("EU fines Google under the Digital Markets Act", None, ["政策", "Google"]),
        ("A new CRISPR therapy for cancer", None, ["生物学", "医療"]),
        ("Kubernetes is too complex for most teams", None, ["クラウド", "インフラ"]),
        ("PostgreSQL 18 released", "postgresql.org", ["データベース"]),
        ("Firefox drops support for old extensions", None, ["ブラウザ"]),
        ("Nintendo sues a game emulator developer", None, ["日本", "ゲーム", "法律"]),
    ],
)
def test_shipped_rules_cover_common_hn_topics(rules, title, domain, expected) -> None:
    tags = rules.tags_for(title, domain=domain)
    assert len(tags) <= 5
    for tag in expected:
        assert tag in tags, (title, tags)


def test_ambiguous_words_do_not_match(rules) -> None:
    assert rules.tags_for("Let's Go to the park") == ("テクノロジー",)
    assert "キャリア" not in rules.tags_for("Steve Jobs' first Macintosh")
    assert "Rust" not in rules.tags_for("Removing rust from old tools")
    assert "教育" not in rules.tags_for("Machine learning of course")


def test_tags_come_in_order_of_their_match_without_duplicates(rules) -> None:
    tags = rules.tags_for("Python and Rust and Python again", domain="arxiv.org")
    assert tags[:2] == ("学術論文", "研究")  # domain first
    assert tags.index("Python") < tags.index("Rust")
    assert len(tags) == len(set(tags))


def test_at_most_five_tags_and_a_fallback(rules) -> None:
    busy = "AI startup raises money for Rust Linux kernel security on AWS with SQLite"
    assert len(rules.tags_for(busy)) == 5
    assert rules.tags_for("Zxqv") == ("テクノロジー",)


def test_the_japanese_title_counts_too(rules) -> None:
    assert "人工知能" in rules.tags_for("Something vague", title_ja="新しいLLMの話")


def test_shipped_file_is_broad() -> None:
    shipped = load_tag_rules()
    tags = set(iter_rule_tags(shipped))
    assert len(shipped.rules) >= 60
    assert len(tags) >= 80
    assert {"人工知能", "機械学習", "学術論文", "Rust", "プログラミング", "セキュリティ"} <= tags
    assert DEFAULT_RULES.is_file()


def test_story_host() -> None:
    assert story_host("github.com/user", None) == "github.com"
    assert story_host(None, "https://www.example.org/a?b") == "example.org"
    assert story_host(None, None) is None


def test_user_rules_come_first_and_may_replace_the_defaults(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(
        'max_tags = 2\nfallback = ["その他"]\n'
        '[[rules]]\ntags = ["自作OS"]\nwords = ["hobby OS"]\n'
        '[[rules]]\ntags = ["ドメイン"]\ndomains = ["example.com"]\n',
        encoding="utf-8",
    )
    rules = load_tag_rules([mine])
    assert rules.tags_for("A hobby OS written in Rust") == ("自作OS", "Rust")
    assert rules.tags_for("Nothing", domain="www.example.com") == ("ドメイン",)
    assert rules.tags_for("Zxqv") == ("その他",)
    mine.write_text(
        mine.read_text(encoding="utf-8").replace("max_tags = 2", "replace_default = true"),
        encoding="utf-8",
    )
    alone = load_tag_rules([mine])
    assert alone.tags_for("A hobby OS written in Rust") == ("自作OS",)
    assert len(alone.rules) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("rules = [", "not valid TOML"),
        ("colour = 1", "unknown keys"),
        ('[[rules]]\nwords = ["x"]', "has no tags"),
        ('[[rules]]\ntags = ["x"]', "nothing to match"),
        ('[[rules]]\ntags = ["x"]\nwrods = ["y"]', "unknown keys"),
        ('[[rules]]\ntags = ["x"]\npatterns = ["("]', "pattern"),
        ('[[rules]]\ntags = "x"\nwords = [1]', "list of non-empty strings"),
        ("max_tags = 0", "max_tags"),
    ],
)
def test_bad_rule_files_say_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TagRulesError, match=message):
        load_tag_rules([path])


def test_missing_rule_file(tmp_path: Path) -> None:
    with pytest.raises(TagRulesError, match="cannot read"):
        load_tag_rules([tmp_path / "nope.toml"])
