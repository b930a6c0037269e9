"""Thin views over the stage 1–2 services, by topic: ``case`` (the lists, the case page, copying
in and cancelling), ``registration`` (the form and its review), ``sync``, ``plan`` and
``links`` (the one-time links, and the pages their holders open). Every state change is a POST
run through ``collab_portal.lib.views.run_service``."""
