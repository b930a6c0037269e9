"""What the pages of stages 3–4 show, one module per family of pages (as ``tasks_app.views``):
the flags for their buttons come from ``tasks_app.policies``, the records from
``tasks_app.selectors``. Reads only."""
