"""An offline Hacker News for ``matome demo``, the tests and the benchmarks.

- :mod:`~matome_crawl.demo.synthetic`: a deterministic synthetic world (the built-in
  day, any day of K threads × M comments, large threads) and the records the
  parsers must read back from it;
- :mod:`~matome_crawl.demo.render`: that world as HN's pages and Firebase API;
- :mod:`~matome_crawl.demo.server`: both over HTTP on 127.0.0.1
  (``python -m matome_crawl.demo.server``);
- :mod:`~matome_crawl.demo.markup` and :mod:`~matome_crawl.demo.words`: comment
  HTML and the built-in English they are written from.
"""

from typing import TYPE_CHECKING

from matome_crawl.demo.render import Site, SiteOptions
from matome_crawl.demo.synthetic import (
    DEFAULT_COMMENTS_PER_PAGE,
    DEMO_DAY,
    SynthComment,
    SynthDay,
    SynthStory,
    SynthThread,
    World,
    demo_day,
    demo_world,
    large_thread,
    synthetic_day,
)

__all__ = [
    "DEFAULT_COMMENTS_PER_PAGE",
    "DEMO_DAY",
    "DemoServer",
    "Fault",
    "Site",
    "SiteOptions",
    "SynthComment",
    "SynthDay",
    "SynthStory",
    "SynthThread",
    "World",
    "demo_day",
    "demo_world",
    "large_thread",
    "synthetic_day",
]

if TYPE_CHECKING:
    from matome_crawl.demo.server import DemoServer, Fault


def __getattr__(name: str) -> object:
    # The server module is imported on first use, so that
    # ``python -m matome_crawl.demo.server`` does not import it twice.
    if name in ("DemoServer", "Fault"):
        from matome_crawl.demo import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
