# Debian's headless Chromium for the web workbench's browser tests (sourced by .ci/servers.sh).
# Installs chromium and chromium-driver with apt when missing; starts nothing and exports nothing
# (tests/scanner/web/test_web_browser.py drives /usr/bin/chromium through Playwright and skips without it).

chromium_start() {
    if [ ! -x /usr/bin/chromium ]; then
        echo "chromium: installing chromium and chromium-driver (a minute or two the first time)" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            chromium chromium-driver; } >/dev/null || return 1
    fi
    return 0
}

chromium_stop() {
    return 0
}
