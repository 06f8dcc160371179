#!/usr/bin/env bash
# Installs (if missing) headless Chromium and its WebDriver from Debian's packages for the
# browser test of the sandbox (tests/test_sandbox_browser.py), plus an emoji font so that
# screenshots show the bot's emoji. Idempotent and quick when everything is there.
set -euo pipefail

if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ] \
    || ! [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-noto-color-emoji >&2
fi
