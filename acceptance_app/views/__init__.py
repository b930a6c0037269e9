"""Stage 5–6 pages, by topic; ``acceptance_app.urls`` names them."""
