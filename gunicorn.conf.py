"""gunicorn's settings for every way the portal is served: gunicorn reads ./gunicorn.conf.py
by default, and the image and the commands of docs/operators-guide.md start it in this folder.
Command-line options (the image's CMD, GUNICORN_CMD_ARGS) come on top."""

# The access log keeps every path and Referer: one-time link tokens are cut from them.
logger_class = "collab_portal.lib.secret_urls.GunicornLogger"
