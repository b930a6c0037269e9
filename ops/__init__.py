"""Running the portal: the commands an operator runs (``seed_demo``, ``backup_info``). It sits on
top of everything, may import any app, and nothing imports it."""
