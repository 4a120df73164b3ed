"""Built-in English for the synthetic world: user names, titles, sites, comment bodies.

Everything is drawn from the lists below with a caller's :class:`random.Random`, so
the same seed always writes the same words. The sentences are plain, grammatical
English on the usual HN subjects, so that a translation model has something sensible
to translate and full-text search has words to find.
"""

from __future__ import annotations

import hashlib
import random

from matome_crawl.demo.markup import Body, CodeBlock, Inline, Italic, Link, Paragraph


def sub_seed(*parts: object) -> int:
    """A stable seed from any values (``hash()`` changes between runs; this does not)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


# --- user names -------------------------------------------------------------------
_NAME_HEADS = (
    "quiet", "rusty", "lazy", "async", "null", "kernel", "byte", "tiny", "retro", "hyper",
    "mild", "vector", "sparse", "dark", "static", "mutable", "pixel", "cold", "swift", "amber",
    "ferric", "lambda", "octal", "grumpy", "patient", "curious", "wired", "silent", "fuzzy",
    "plain",
)  # fmt: skip
_NAME_TAILS = (
    "lambda", "panic", "otter", "cache", "pointer", "badger", "compiler", "heron", "socket",
    "monad", "falcon", "daemon", "walrus", "thread", "vim", "parser", "crab", "gopher", "lisp",
    "tensor", "beaver", "shell", "router", "kiln", "moth", "quill", "bison", "relay", "yak",
    "fjord",
)  # fmt: skip
_NAME_STYLES = ("{h}_{t}", "{h}{t}", "{t}{n}", "{h}-{t}", "{H}{T}", "{t}_{h}", "{h}{t}{n}")


def user_names(count: int, seed: int) -> list[str]:
    """``count`` distinct HN-style user names (letters, digits, ``_`` and ``-``)."""
    rng = random.Random(sub_seed("users", seed))
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        head, tail = rng.choice(_NAME_HEADS), rng.choice(_NAME_TAILS)
        name = rng.choice(_NAME_STYLES).format(
            h=head, t=tail, H=head.capitalize(), T=tail.capitalize(), n=rng.randint(1, 99)
        )
        if name not in seen and head != tail:
            seen.add(name)
            names.append(name)
    return names


# --- subjects ---------------------------------------------------------------------
TECH = (
    "Rust", "Postgres", "SQLite", "Kubernetes", "WebAssembly", "Python", "Go", "Zig", "Erlang",
    "Haskell", "OCaml", "TypeScript", "React", "Linux", "FreeBSD", "Nix", "Emacs", "Vim",
    "Redis", "Kafka", "ClickHouse", "DuckDB", "LLVM", "GCC", "Elixir", "Lua", "Clojure",
    "Terraform", "Docker", "systemd",
)  # fmt: skip
THINGS = (
    "the compiler", "the garbage collector", "the query planner", "the scheduler",
    "the borrow checker", "the build system", "the package manager", "the type checker",
    "the allocator", "the test suite", "the standard library", "the documentation",
    "the release process", "the storage engine", "the network stack", "error reporting",
    "the config format", "the plugin API", "the file system", "the JIT",
)  # fmt: skip
ADJECTIVES = (
    "surprisingly fast", "painfully slow", "good enough", "underrated", "overengineered",
    "hard to debug", "easy to reason about", "fragile", "rock solid", "a bit of a mess",
    "well designed", "confusing at first", "boring in a good way", "too clever",
)  # fmt: skip
METRICS = (
    "p99 latency", "cloud bill", "build time", "memory use", "cold start time",
    "error rate", "binary size", "deploy time", "page weight", "on-call load",
)  # fmt: skip
PLATFORMS = (
    "a Raspberry Pi", "an old ThinkPad", "ARM servers", "a $5 VPS", "Apple silicon",
    "a RISC-V board", "Windows on ARM", "a Steam Deck", "bare metal", "a microcontroller",
)  # fmt: skip
COMPANIES = (
    "Google", "Microsoft", "Amazon", "Apple", "Mozilla", "Cloudflare", "GitHub", "Stripe",
    "Fastly", "Oracle", "IBM", "Intel", "Valve", "Netflix", "Shopify",
)  # fmt: skip
TOPICS = (
    "floating point", "text encodings", "time zones", "B-trees", "CRDTs", "garbage collection",
    "TCP congestion control", "DNS", "compression", "type inference", "software estimates",
    "code review", "on-call rotations", "technical debt", "open source funding",
    "memory safety", "static linking", "regular expressions", "database indexes",
    "the Unix philosophy",
)  # fmt: skip
PROJECT_NAMES = (
    "Quillmark", "Tidepool", "Ferrule", "Lanternfish", "Kestrel", "Pebblebase", "Orrery",
    "Sundial", "Bramble", "Cobalt", "Driftwood", "Marlin", "Juniper", "Halyard", "Wren",
)  # fmt: skip
PROJECT_BLURBS = (
    "a tiny SQL database in a single file", "an offline-first notes app",
    "a terminal UI for Kubernetes logs", "a static site generator with no config",
    "a Git client for the command line", "a self-hosted RSS reader",
    "a faster linter for Python", "a visual debugger for async code",
    "a spreadsheet that speaks SQL", "an open-source alternative to Notion",
    "a game engine written in Zig", "a privacy-friendly analytics tool",
)  # fmt: skip

# (url, domain as HN's sitestr shows it), by kind of story.
_STORY_SITES = (
    ("https://{user}.github.io/posts/{slug}/", "{user}.github.io"),
    ("https://lwn.net/Articles/{n}/", "lwn.net"),
    ("https://arxiv.org/abs/2603.{n:05d}", "arxiv.org"),
    ("https://www.nytimes.com/2026/03/14/technology/{slug}.html", "nytimes.com"),
    ("https://spectrum.ieee.org/{slug}", "ieee.org"),
    ("https://blog.{user}.dev/{slug}", "{user}.dev"),
    ("https://www.theverge.com/2026/3/14/{n}/{slug}", "theverge.com"),
    ("https://arstechnica.com/science/2026/03/{slug}/", "arstechnica.com"),
    ("https://www.quantamagazine.org/{slug}-20260314/", "quantamagazine.org"),
    ("https://{user}.substack.com/p/{slug}", "{user}.substack.com"),
    ("https://news.mit.edu/2026/{slug}-0314", "mit.edu"),
    ("https://www.bbc.com/news/articles/c{n}x", "bbc.com"),
    ("https://{user}.com/blog/2026/03/{slug}.html", "{user}.com"),
)  # fmt: skip
_SHOW_SITES = (
    ("https://github.com/{user}/{project}", "github.com/{user}"),
    ("https://{project}.dev/", "{project}.dev"),
    ("https://{project}.app/?ref=hn&utm_source=show", "{project}.app"),
)  # fmt: skip
_JOB_SITE = ("https://www.ycombinator.com/companies/{project}/jobs/{n}-{slug}", "ycombinator.com")
_LINK_TARGETS = (
    "https://docs.python.org/3/library/sqlite3.html",
    "https://en.wikipedia.org/wiki/Amdahl%27s_law",
    "https://www.postgresql.org/docs/current/sql-explain.html",
    "https://lwn.net/Articles/954285/",
    "https://github.com/torvalds/linux/blob/master/Documentation/process/coding-style.rst",
    "https://sqlite.org/lang_with.html",
    "https://www.rfc-editor.org/rfc/rfc9110.html#name-status-codes",
    "https://news.ycombinator.com/item?id=39283791",
    "https://research.google/pubs/large-scale-cluster-management-at-google-with-borg/",
    "https://danluu.com/cocktail-ideas/",
    "https://www.usenix.org/conference/osdi24/presentation/zhang-yifan?utm_source=hn&utm_medium=link",
    "https://arxiv.org/abs/2306.11644",
)  # fmt: skip


def url_path_words(words: str) -> str:
    """Words joined by hyphens, as a URL path piece of a made-up link (not a post slug)."""
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in words)
    return "-".join(filter(None, out.split("-")))


def site_for(rng: random.Random, kind: str, title: str, user: str) -> tuple[str, str]:
    """A plausible URL for a story, Show HN or job ad, and the domain HN would show."""
    if kind == "job":
        url, domain = _JOB_SITE
    else:
        url, domain = rng.choice(_SHOW_SITES if kind == "show" else _STORY_SITES)
    slug = url_path_words(title)[:70].strip("-") or "post"
    project = next((p for p in PROJECT_NAMES if p in title), rng.choice(PROJECT_NAMES))
    values = {
        "user": user.lower().replace("_", "").replace("-", ""),
        "project": project.lower(),
        "slug": slug,
        "n": rng.randint(10000, 99999),
    }
    return url.format(**values), domain.format(**values)


# --- titles -----------------------------------------------------------------------
_STORY_TITLES = (
    "{tech} {major}.{minor} released",
    "The hidden economics of {topic}",
    "{company} is shutting down its {tech} service",
    "How we cut our {metric} by {pct}% with {tech}",
    "A history of {topic} ({year})",
    "Why {tech} is {adj}",
    "What I learned running {tech} on {platform}",
    "{company}'s new {thing_bare} is written in {tech}",
    "Notes on {topic}",
    "{topic_cap}: a visual introduction",
    "The case against {topic}",
    "I rewrote my side project in {tech} and regret nothing",
    "{company} open-sources its internal {tech} tooling",
    "Falsehoods programmers believe about {topic}",
    "R&D tax rules and {topic} [pdf]",
    "\"{adj_cap}\": a post-mortem of our {tech} migration",
    "Understanding {topic} through {tech}",
    "Reverse engineering a {year} modem's firmware",
)  # fmt: skip
_ASK_TITLES = (
    "Ask HN: How do you handle {topic} at work?",
    "Ask HN: Is {tech} still worth learning in 2026?",
    "Ask HN: What's your setup for {topic}?",
    "Ask HN: Has anyone moved off {tech} and back again?",
    "Tell HN: {company} deleted my account without warning",
    "Ask HN: Books that changed how you think about {topic}?",
)  # fmt: skip
_SHOW_TITLES = (
    "Show HN: {project} – {blurb}",
    "Show HN: I built {blurb} in {tech}",
    "Show HN: {project}, {blurb}",
)  # fmt: skip
_JOB_TITLES = (
    "{project} (YC W24) is hiring a founding {tech} engineer",
    "{project} (YC S23) Is Hiring Backend Engineers (Remote, US/EU)",
    "{project} (YC W25) is hiring to build {blurb}",
)  # fmt: skip


def _fill(rng: random.Random, template: str) -> str:
    topic = rng.choice(TOPICS)
    adj = rng.choice(ADJECTIVES)
    return template.format(
        tech=rng.choice(TECH),
        major=rng.randint(1, 9),
        minor=rng.randint(0, 24),
        adj=adj,
        adj_cap=adj[0].upper() + adj[1:],
        topic=topic,
        topic_cap=topic[0].upper() + topic[1:],
        company=rng.choice(COMPANIES),
        metric=rng.choice(METRICS),
        pct=rng.choice((18, 30, 42, 55, 70, 85, 90)),
        year=rng.choice((1978, 1986, 1994, 1999, 2003, 2011)),
        platform=rng.choice(PLATFORMS),
        thing_bare=rng.choice(THINGS).removeprefix("the "),
        project=rng.choice(PROJECT_NAMES),
        blurb=rng.choice(PROJECT_BLURBS),
    )


def title_for(rng: random.Random, kind: str, taken: set[str] | None = None) -> str:
    """A title for a ``story``, ``ask``, ``show`` or ``job``, not one of ``taken``."""
    templates = {
        "story": _STORY_TITLES,
        "ask": _ASK_TITLES,
        "show": _SHOW_TITLES,
        "job": _JOB_TITLES,
    }[kind]
    for _ in range(50):
        title = _fill(rng, rng.choice(templates))
        if taken is None or title not in taken:
            break
    if taken is not None:
        taken.add(title)
    return title


# --- comment sentences ------------------------------------------------------------
# *word* marks an <i> run.
_SENTENCES = (
    "I have been using {tech} in production for {n} years and {thing} has never been the "
    "bottleneck.",
    "This matches my experience with {tech}: {thing} is {adj} until you hit a few million rows.",
    "The article skips over the part where {thing} has to be tuned by hand.",
    "Has anyone tried running this on {platform}?",
    "We switched from {tech} to {tech2} last year and our {metric} dropped by {pct}%.",
    "Honestly the documentation is the hard part, not the code.",
    "It's not that {tech} is slow; it's that most people never read the manual.",
    "The \"{adj}\" part is doing a lot of work in that sentence.",
    "I *really* wish {company} would publish the numbers behind this.",
    "Counterpoint: {thing} in {tech} is {adj}, and that is fine for most teams.",
    "My team tried the same thing in {year} and gave up after a month.",
    "This is the kind of post I come to HN for.",
    "The benchmark compares a warm cache against a cold one, so I would not read too much "
    "into it.",
    "Every few years someone rediscovers {topic} and writes this exact article.",
    "As someone who maintains a {tech} library, I can confirm {thing} is {adj}.",
    "Is there a version of this that does not require an account?",
    "The real problem is incentives, not technology.",
    "I would love to see the same comparison with {tech2}.",
    "We run about {n}00 of these on {platform} and it has been *boring*, which is the point.",
    "Small nit: the chart's y-axis does not start at zero.",
    "I don't think {company} cares about {topic} at all.",
    "That is a fair point, but it only holds if you control both ends of the connection.",
    "People underestimate how much {thing} matters for day-to-day work.",
    "The original paper from {year} is still worth reading.",
    "Fun fact: {topic} was the reason our first release slipped by six weeks.",
    "If you need {topic}, just use {tech}; it's {adj} and well documented.",
    "I read the whole thread and nobody has mentioned {tech2} yet.",
    "Good write-up, although the title oversells it a bit.",
    "Can confirm, we hit the same bug with {thing} last week.",
    "The comments here are a good example of why {topic} is hard to talk about.",
)  # fmt: skip
_QUOTE_REPLIES = (
    "This is exactly backwards in my experience.",
    "Only if you ignore the cost of maintenance.",
    "Citation needed, honestly.",
    "Agreed, and it gets worse at scale.",
    "Not in my experience; it depends on the workload.",
    "That used to be true, but {tech} fixed it in version {n}.",
)  # fmt: skip
_LINK_LEADS = (
    "There is a good explanation here:",
    "Relevant:",
    "The docs cover this:",
    "Previous discussion:",
    "See also",
    "Source for the numbers:",
)  # fmt: skip
_CODE_SNIPPETS = (
    "  SELECT id, title FROM stories\n  WHERE score > 100 AND title LIKE '%Rust%'\n"
    "  ORDER BY score DESC;",
    '  for i in range(10):\n      if i % 2 == 0 and i > 4:\n          print(f"{i} is even")',
    "  $ curl -s https://example.com/api | jq '.items[] | select(.score > 10)'",
    "  fn main() {\n      let v: Vec<u32> = (0..10).collect();\n"
    '      println!("{:?}", v);\n  }',
    "  if (a < b && b < c) {\n    return \"ordered\";\n  }",
    "  git log --oneline --since='2 weeks ago' -- src/",
)  # fmt: skip


def _sentence(rng: random.Random, template: str) -> str:
    tech, tech2 = rng.sample(TECH, 2)
    return template.format(
        tech=tech,
        tech2=tech2,
        thing=rng.choice(THINGS),
        adj=rng.choice(ADJECTIVES),
        platform=rng.choice(PLATFORMS),
        metric=rng.choice(METRICS),
        pct=rng.choice((20, 35, 40, 60, 80)),
        company=rng.choice(COMPANIES),
        topic=rng.choice(TOPICS),
        year=rng.choice((1999, 2008, 2012, 2015, 2019)),
        n=rng.randint(2, 9),
    )


def _inline(text: str) -> list[Inline]:
    """``*word*`` runs become :class:`Italic`."""
    parts: list[Inline] = []
    for i, chunk in enumerate(text.split("*")):
        if chunk:
            parts.append(Italic(chunk) if i % 2 else chunk)
    return parts


def _paragraph(rng: random.Random, sentences: int) -> Paragraph:
    text = " ".join(_sentence(rng, t) for t in rng.sample(_SENTENCES, sentences))
    return Paragraph(tuple(_inline(text)))


def comment_body(rng: random.Random, *, quote: str | None = None, rich: float = 0.25) -> Body:
    """A comment of one to four paragraphs.

    ``quote``: a sentence of the parent to answer with HN's ``>`` quote line.
    ``rich``: the share of comments that get a link, a code block or an ``<i>`` quote.
    """
    blocks: list[Paragraph | CodeBlock] = []
    if quote is not None:
        line = "> " + quote
        blocks.append(Paragraph((Italic(line),) if rng.random() < 0.5 else (line,)))
        blocks.append(Paragraph(tuple(_inline(_sentence(rng, rng.choice(_QUOTE_REPLIES))))))
    else:
        blocks.append(_paragraph(rng, rng.randint(1, 3)))
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
        blocks.append(_paragraph(rng, rng.randint(1, 3)))
    if rng.random() < rich:
        extra = rng.random()
        if extra < 0.5:
            lead = rng.choice(_LINK_LEADS)
            blocks.append(Paragraph((lead + " ", Link(rng.choice(_LINK_TARGETS)))))
        elif extra < 0.8:
            blocks.append(Paragraph(("Something like this:",)))
            blocks.append(CodeBlock(rng.choice(_CODE_SNIPPETS)))
            if rng.random() < 0.6:
                blocks.append(_paragraph(rng, 1))
        else:
            blocks.append(
                Paragraph(
                    (
                        "The link in the article (",
                        Link(rng.choice(_LINK_TARGETS)),
                        ") is ",
                        Italic("not"),
                        " the one they benchmarked.",
                    )
                )
            )
    return Body(tuple(blocks))


def op_body(rng: random.Random, kind: str) -> Body:
    """The text of an Ask HN, a Show HN's note or a job post."""
    if kind == "job":
        return Body(
            (
                Paragraph(("We are a small team building developer tools. "
                           "We're hiring engineers who enjoy owning a problem end to end.",)),
                Paragraph(("What you will work on:",)),
                CodeBlock("  * the storage engine & its query planner\n"
                          "  * our sync protocol (it's CRDT-based)\n  * customer-facing APIs"),
                Paragraph(("Apply at ", Link("https://www.ycombinator.com/companies/"
                                             "example/jobs/8f3k2-founding-backend-engineer"),
                           " or email jobs@example.com.")),
            )
        )  # fmt: skip
    lead = {
        "ask": "I'm curious how other people here approach this.",
        "show": "Hi HN! I've been working on this for the last year in my spare time.",
    }.get(kind, "Some context for this post.")
    blocks: list[Paragraph | CodeBlock] = [
        Paragraph((lead + " " + _sentence(rng, rng.choice(_SENTENCES)),)),
        _paragraph(rng, 2),
    ]
    if kind == "show":
        blocks.append(Paragraph(("Source: ", Link("https://github.com/example/" + "project"))))
    blocks.append(Paragraph(("Thanks for reading, and I'd love your ", Italic("honest"),
                             " feedback.")))  # fmt: skip
    return Body(tuple(blocks))
