"""``matome review``: a local web app to review and post-edit translations before publishing.

Needs the ``review`` extra (Starlette, uvicorn, python-multipart).
"""
