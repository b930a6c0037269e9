#!/usr/bin/env bash
# Installs the Debian packages the portal needs, only those missing (idempotent, quick when done).
#   fonts-noto-cjk, fonts-wqy-microhei: Chinese text in PDFs
#   libpango-1.0-0, libpangoft2-1.0-0: WeasyPrint's layout
#   libharfbuzz-subset0: font subsetting; without it a CJK PDF takes ~8 s instead of ~0.3 s
#   gettext: makemessages / compilemessages
#   chromium, docker-compose (with --browser): browser tests; validating docker-compose.yml
set -euo pipefail
packages=(fonts-noto-cjk fonts-wqy-microhei libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext)
if [ "${1:-}" = "--browser" ]; then
  packages+=(chromium docker-compose)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "Please install as root: apt-get install ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}"
}
