#!/usr/bin/env bash
# Vendor the front-end libraries used by the portal into static/vendor/ so the
# app works fully offline (no CDN). Versions are pinned in package.json /
# package-lock.json; to upgrade, change package.json, run `npm install`, then
# re-run this script.
#
#   bash scripts/vendor_frontend.sh
#
# Idempotent: every run reinstalls from the lockfile (npm ci) and rebuilds
# static/vendor/{tabler,tabler-icons,echarts,frappe-gantt} and README.md from
# scratch. node_modules/ is left on disk and must not be committed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/static/vendor"
NM="$ROOT/node_modules"

cd "$ROOT"

echo ">> npm ci (from package-lock.json)"
npm ci --ignore-scripts --no-audit --no-fund

pkg_version() { node -p "require('$NM/$1/package.json').version"; }

V_TABLER="$(pkg_version @tabler/core)"
V_ICONS="$(pkg_version @tabler/icons-webfont)"
V_ECHARTS="$(pkg_version echarts)"
V_GANTT="$(pkg_version frappe-gantt)"

# Build into a staging dir first, then swap, so a failed run never leaves a
# half-populated static/vendor/.
STAGE="$(mktemp -d "${TMPDIR:-/tmp}/vendor_frontend.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT

need() { [[ -f "$1" ]] || { echo "ERROR: expected file not found: $1" >&2; exit 1; }; }
copy() { need "$1"; install -m 0644 "$1" "$2"; }

# ---------------------------------------------------------------- Tabler core
mkdir -p "$STAGE/tabler"
copy "$NM/@tabler/core/dist/css/tabler.min.css" "$STAGE/tabler/tabler.min.css"
copy "$NM/@tabler/core/dist/js/tabler.min.js"   "$STAGE/tabler/tabler.min.js"
if [[ -f "$NM/@tabler/core/LICENSE" ]]; then
  copy "$NM/@tabler/core/LICENSE" "$STAGE/tabler/LICENSE"
else
  # The @tabler/core npm tarball (1.6.1) ships no LICENSE file; package.json
  # says "MIT" and the dist banners say "Copyright 2018-2026 The Tabler
  # Authors ... Licensed under MIT". Reproduce upstream's LICENSE text
  # (github.com/tabler/tabler/blob/main/LICENSE) with that copyright line.
  cat > "$STAGE/tabler/LICENSE" <<'EOF'
The MIT License (MIT)

Copyright (c) 2018-2026 The Tabler Authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
EOF
fi
# tabler.min.js bundles Popper (MIT) without its notice; ship it alongside.
copy "$NM/@popperjs/core/LICENSE.md" "$STAGE/tabler/LICENSE-popper.md"

# ------------------------------------------------------ Tabler icons webfont
mkdir -p "$STAGE/tabler-icons/fonts"
copy "$NM/@tabler/icons-webfont/dist/tabler-icons.min.css" "$STAGE/tabler-icons/tabler-icons.min.css"
copy "$NM/@tabler/icons-webfont/dist/fonts/tabler-icons.woff2" "$STAGE/tabler-icons/fonts/tabler-icons.woff2"
copy "$NM/@tabler/icons-webfont/LICENSE" "$STAGE/tabler-icons/LICENSE"
# Only the woff2 font is vendored: rewrite the @font-face src list so it
# references nothing but that file (drops the .woff/.ttf fallbacks and the
# ?v=... query string).
sed -E -i \
  's#src:url\("?\./fonts/tabler-icons\.woff2[^")]*"?\) *format\("woff2"\)[^;}]*#src:url("./fonts/tabler-icons.woff2") format("woff2")#' \
  "$STAGE/tabler-icons/tabler-icons.min.css"

# ------------------------------------------------------------------- ECharts
mkdir -p "$STAGE/echarts"
copy "$NM/echarts/dist/echarts.min.js" "$STAGE/echarts/echarts.min.js"
copy "$NM/echarts/LICENSE" "$STAGE/echarts/LICENSE"
# Apache-2.0 section 4(d): the NOTICE file must accompany redistributions.
copy "$NM/echarts/NOTICE" "$STAGE/echarts/NOTICE"
# LICENSE points at licenses/LICENSE-d3 (embedded d3 code); echarts.min.js
# also bundles zrender (BSD-3-Clause).
mkdir -p "$STAGE/echarts/licenses"
copy "$NM/echarts/licenses/LICENSE-d3" "$STAGE/echarts/licenses/LICENSE-d3"
copy "$NM/zrender/LICENSE" "$STAGE/echarts/licenses/LICENSE-zrender"

# -------------------------------------------------------------- Frappe Gantt
# 1.2.2 ships dist/frappe-gantt.umd.js (UMD; defines window.Gantt),
# dist/frappe-gantt.es.js (ES module) and dist/frappe-gantt.css.
mkdir -p "$STAGE/frappe-gantt"
copy "$NM/frappe-gantt/dist/frappe-gantt.umd.js" "$STAGE/frappe-gantt/frappe-gantt.umd.js"
copy "$NM/frappe-gantt/dist/frappe-gantt.css"    "$STAGE/frappe-gantt/frappe-gantt.css"
copy "$NM/frappe-gantt/license.txt"              "$STAGE/frappe-gantt/LICENSE"

# ------------------------------------------ Strip anything that goes online
# Source maps are not vendored: drop the sourceMappingURL comments (a dangling
# reference makes browsers 404 in devtools and makes Django's
# ManifestStaticFilesStorage fail collectstatic).
# Also defensively strip any @import of a remote stylesheet (e.g. Google Fonts).
mapfile -t ASSETS < <(find "$STAGE" -type f \( -name '*.css' -o -name '*.js' \) | sort)
for f in "${ASSETS[@]}"; do
  sed -E -i \
    -e 's#/\*[#@] *sourceMappingURL=[^*]*\*/##g' \
    -e 's#^[[:space:]]*//[#@] *sourceMappingURL=.*$##' \
    "$f"
  if [[ "$f" == *.css ]]; then
    sed -E -i \
      -e 's#@import *url\( *["'"'"']?(https?:)?//[^)]*\)[^;]*;##g' \
      -e 's#@import *["'"'"'](https?:)?//[^"'"'"']*["'"'"'][^;]*;##g' \
      "$f"
  fi
done

# ------------------------------------------------------------- Verification
fail=0
for f in "${ASSETS[@]}"; do
  rel="${f#"$STAGE"/}"
  if grep -nE 'sourceMappingURL' "$f" >/dev/null; then
    echo "ERROR: $rel still contains sourceMappingURL" >&2; fail=1
  fi
  if grep -nE "@import[^;]*(https?:)?//" "$f" >/dev/null; then
    echo "ERROR: $rel still @imports a remote resource" >&2; fail=1
  fi
  if grep -nE "url\( *[\"']?(https?:)?//" "$f" >/dev/null; then
    echo "ERROR: $rel references a remote url(...)" >&2; fail=1
  fi
done
# Every relative url(...) in vendored CSS must resolve to a vendored file.
for f in "$STAGE"/*/*.css; do
  dir="$(dirname "$f")"
  while IFS= read -r u; do
    p="${u%%[?#]*}"
    [[ -f "$dir/$p" ]] || { echo "ERROR: ${f#"$STAGE"/} references missing $u" >&2; fail=1; }
  done < <(grep -oE "url\( *[\"']?[^\"')]+" "$f" | sed -E "s#url\( *[\"']?##" | grep -vE '^(data:|#)' || true)
done
icons_urls="$(grep -oE 'url\([^)]*\)' "$STAGE/tabler-icons/tabler-icons.min.css" | grep -v 'data:' || true)"
if [[ "$icons_urls" != 'url("./fonts/tabler-icons.woff2")' ]]; then
  echo "ERROR: unexpected font url(s) in tabler-icons.min.css: $icons_urls" >&2; fail=1
fi
(( fail == 0 )) || { echo "Verification failed; static/vendor left unchanged." >&2; exit 1; }

# ------------------------------------------------------------------ README
cat > "$STAGE/README.md" <<EOF
# Vendored front-end libraries

Generated by \`scripts/vendor_frontend.sh\` — do not edit files here by hand.
They are served by Django staticfiles so the portal works with no internet
access (no CDN). Versions are pinned in \`package.json\` / \`package-lock.json\`.

| Library | Version | npm package | Licence | Vendored files |
|---|---|---|---|---|
| Tabler (UI kit; bundles Bootstrap 5 + Popper) | ${V_TABLER} | \`@tabler/core\` | MIT (Popper: MIT) | \`tabler/tabler.min.css\`, \`tabler/tabler.min.js\`, \`tabler/LICENSE\`, \`tabler/LICENSE-popper.md\` |
| Tabler Icons (webfont) | ${V_ICONS} | \`@tabler/icons-webfont\` | MIT | \`tabler-icons/tabler-icons.min.css\`, \`tabler-icons/fonts/tabler-icons.woff2\`, \`tabler-icons/LICENSE\` |
| Apache ECharts (bundles zrender) | ${V_ECHARTS} | \`echarts\` | Apache-2.0 (zrender, d3 parts: BSD-3-Clause) | \`echarts/echarts.min.js\`, \`echarts/LICENSE\`, \`echarts/NOTICE\`, \`echarts/licenses/\` |
| Frappe Gantt | ${V_GANTT} | \`frappe-gantt\` | MIT | \`frappe-gantt/frappe-gantt.umd.js\`, \`frappe-gantt/frappe-gantt.css\`, \`frappe-gantt/LICENSE\` |

## Refresh / upgrade

\`\`\`bash
# (optional) bump a version in package.json, then: npm install
bash scripts/vendor_frontend.sh
\`\`\`

The script runs \`npm ci\`, copies only the files above, and post-processes them:

- \`sourceMappingURL\` comments are removed (source maps are not vendored).
- \`tabler-icons.min.css\`: the \`@font-face\` \`src\` is rewritten to reference
  only \`./fonts/tabler-icons.woff2\` (the .woff/.ttf fallbacks are not vendored).
- Any remote \`@import\` in CSS is stripped; the script fails if any copied
  CSS/JS still references an \`http(s)://\` or \`//\` URL via \`url()\`/\`@import\`,
  or a relative \`url()\` that does not exist.

Notes: \`@tabler/core\` ${V_TABLER} ships no LICENSE file on npm; \`tabler/LICENSE\`
is upstream's MIT text with the copyright line from the dist banner.
\`frappe-gantt.umd.js\` exposes the global \`Gantt\`; \`echarts.min.js\` exposes
\`echarts\`; \`tabler.min.js\` exposes \`tabler\` (and Bootstrap's data-API).

## Template usage

\`\`\`django
{% load static %}
<link rel="stylesheet" href="{% static 'vendor/tabler/tabler.min.css' %}">
<link rel="stylesheet" href="{% static 'vendor/tabler-icons/tabler-icons.min.css' %}">
<link rel="stylesheet" href="{% static 'vendor/frappe-gantt/frappe-gantt.css' %}">
...
<script src="{% static 'vendor/tabler/tabler.min.js' %}" defer></script>
<script src="{% static 'vendor/echarts/echarts.min.js' %}"></script>
<script src="{% static 'vendor/frappe-gantt/frappe-gantt.umd.js' %}"></script>
<i class="ti ti-bell"></i>
\`\`\`
EOF

# ---------------------------------------------------------------- Install
mkdir -p "$VENDOR"
for d in tabler tabler-icons echarts frappe-gantt; do
  rm -rf "$VENDOR/$d"
  mv "$STAGE/$d" "$VENDOR/$d"
done
install -m 0644 "$STAGE/README.md" "$VENDOR/README.md"
find "$VENDOR" -type d -exec chmod 0755 {} +

echo ">> vendored into ${VENDOR#"$ROOT"/}:"
(cd "$VENDOR" && find . -type f | sort | xargs du -b | sed 's#\./##')
echo ">> total: $(du -sh "$VENDOR" | cut -f1)"
