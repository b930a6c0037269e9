#!/usr/bin/env bash
# Refresh the screenshots of the user guides (docs/user-guide.md, docs/user-guide.zh.md):
# run the whole-journey browser test, which saves a 1280×860 screenshot of every step, then
# copy the ones the guides show into docs/img/journey/, shrunk to 960 px wide (256 colours).
#
#   scripts/refresh_guide_screenshots.sh
#
# Needs what the browser tests need: Debian's chromium, and DATABASE_URL for PostgreSQL
# if the test settings use it (they default to SQLite otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

shots="$(mktemp -d)"
trap 'rm -rf "$shots"' EXIT

JOURNEY_SCREENSHOTS="$shots" .venv/bin/python -m pytest -q -p no:cacheprovider \
    tests/browser/test_whole_journey.py

SHOTS="$shots" .venv/bin/python - <<'PY'
import os
from pathlib import Path

from PIL import Image

WIDTH = 960
source, target = Path(os.environ["SHOTS"]), Path("docs/img/journey")
# Every screenshot the guides reference, by the <role>-<step> part of NN-<role>-<step>.png.
SHOWN = [
    "admin-departments",
    "initiator-register",
    "head-inbox",
    "head-review",
    "initiator-sync",
    "receiver-head-acknowledge",
    "coordinator-plan",
    "receiver-head-sign-plan",
    "external-confirm-plan",
    "coordinator-wbs",
    "task-owner-progress",
    "leader-instruct",
    "coordinator-delivery",
    "external-accept",
    "coordinator-retrospective",
    "initiator-archived",
]
target.mkdir(parents=True, exist_ok=True)
for old in target.glob("*.png"):
    old.unlink()
taken = {path.stem.split("-", 1)[1]: path for path in source.glob("*.png")}
missing = [name for name in SHOWN if name not in taken]
if missing:
    raise SystemExit(f"the test saved no screenshot for: {', '.join(missing)}")
for name in SHOWN:
    image = Image.open(taken[name]).convert("RGB")
    height = round(image.height * WIDTH / image.width)
    small = image.resize((WIDTH, height), Image.LANCZOS)
    # 256 colours are plenty for a screen of flat UI and make the file a third of the size.
    small = small.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(target / f"{name}.png", optimize=True)
    print(f"docs/img/journey/{name}.png")
PY
