"""The export stage: stored, translated threads → one dated Hugo post per thread.

Public API:

- :func:`export_posts` — export a day's threads (or chosen stories) into a Hugo site.
- :func:`render_post` / :func:`load_template_set` — render one :class:`PostData`.
- :func:`init_site` — write a minimal Hugo site that builds the posts.
- :func:`select_comments`, :func:`highlight`, :func:`load_tag_rules`,
  :func:`slugify`, :func:`escape_shortcode` — the decisions, each testable alone.
"""

from __future__ import annotations

from matome_crawl.export.escape import escape_shortcode, toml_value
from matome_crawl.export.exporter import export_posts
from matome_crawl.export.model import (
    DEFAULT_TEMPLATE_SET,
    PALETTE,
    ExportError,
    ExportRequest,
    ExportResult,
    GitCommit,
    PostData,
    PostResult,
    PostStatus,
    QuoteComment,
    SelectionLimits,
)
from matome_crawl.export.render import (
    TEMPLATES_ROOT,
    TemplateSet,
    available_formats,
    load_template_set,
    render_post,
)
from matome_crawl.export.select import Selection, ThreadComment, highlight, select_comments
from matome_crawl.export.site import find_hugo, init_site
from matome_crawl.export.slug import post_path, slugify, unique_slug
from matome_crawl.export.tags import TagRules, TagRulesError, load_tag_rules

__all__ = [
    "DEFAULT_TEMPLATE_SET",
    "PALETTE",
    "TEMPLATES_ROOT",
    "ExportError",
    "ExportRequest",
    "ExportResult",
    "GitCommit",
    "PostData",
    "PostResult",
    "PostStatus",
    "QuoteComment",
    "Selection",
    "SelectionLimits",
    "TagRules",
    "TagRulesError",
    "TemplateSet",
    "ThreadComment",
    "available_formats",
    "escape_shortcode",
    "export_posts",
    "find_hugo",
    "highlight",
    "init_site",
    "load_tag_rules",
    "load_template_set",
    "post_path",
    "render_post",
    "select_comments",
    "slugify",
    "toml_value",
    "unique_slug",
]
