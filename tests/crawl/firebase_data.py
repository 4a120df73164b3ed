"""Official-API answers derived from a parsed fixture thread (what /v0/item/ID.json would say)."""

from __future__ import annotations

import json

from matome_crawl.hn.model import Thread


def api_answers(thread: Thread, story_id: int | None = None) -> dict[str, bytes]:
    """``/v0/item/ID.json`` path → body for the story and every comment of ``thread``."""
    story = thread.story
    sid = story_id or story.id
    kids: dict[int, list[int]] = {}
    for comment in thread.comments:
        parent = sid if comment.parent_id == story.id else comment.parent_id
        kids.setdefault(parent, []).append(comment.id)
    answers = {}
    story_json = {
        "by": story.author,
        "descendants": len(thread.comments),
        "id": sid,
        "kids": kids.get(sid, []),
        "score": story.score,
        "time": int(story.created_at.timestamp()),
        "title": story.title,
        "type": "poll" if story.type == "poll" else "story",
    }
    if story.url:
        story_json["url"] = story.url
    if story.text_html:
        story_json["text"] = story.text_html
    answers[f"/v0/item/{sid}.json"] = json.dumps(story_json).encode()
    for comment in thread.comments:
        item = {
            "by": comment.author,
            "id": comment.id,
            "parent": sid if comment.parent_id == story.id else comment.parent_id,
            "text": comment.text_html,
            "time": int(comment.created_at.timestamp()),
            "type": "comment",
        }
        if kids.get(comment.id):
            item["kids"] = kids[comment.id]
        if comment.dead:
            item["dead"] = True
        answers[f"/v0/item/{comment.id}.json"] = json.dumps(item, indent=1).encode()
    return answers
