#!/usr/bin/env bash
# Set up everything the project needs on a fresh Debian machine, and do
# (almost) nothing when it is all there already:
#   1. system packages: graphviz (`dot`, used by `diagrams`), chromium
#      (used headless by mermaid-cli through tools/puppeteer-config.json) and
#      groovy (the tests parse the generated Jenkinsfiles with Groovy's own parser;
#      default-jre-headless gives its launcher /usr/lib/jvm/default-java) and jq;
#   2. the loopback interface, up;
#   3. .venv from requirements.txt (re-installed when requirements.txt changes);
#   4. node_modules from package-lock.json via `npm ci` (re-run when the lock changes);
#   5. with --scan only: .venv-scan from requirements-scan.txt (checkov, kept out of .venv).
# Idempotent; safe to run with CI=true and no stdin. Skips every check when nothing changed since the last
# complete run (a stamp in .stamps/), unless given --full.
set -euo pipefail

WITH_SCAN=0
FULL=0
for arg in "$@"; do
    case "$arg" in
        --scan) WITH_SCAN=1 ;;
        --full) FULL=1 ;;
        *) printf 'bootstrap: unknown option %s (allowed: --scan, --full)\n' "$arg" >&2; exit 2 ;;
    esac
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'bootstrap: %s\n' "$*"; }

# The stamp of the last complete bootstrap: one SHA-256 over this script, the lockfiles and the install stamps
# of .venv and node_modules (content, not modification times). When it matches, and both folders are there,
# every check below is skipped (`make setup` passes --full to check everything anyway).
BOOT_STAMP=.stamps/bootstrap.sha256
boot_sum() {
    { cat scripts/bootstrap.sh requirements.txt package-lock.json \
        .venv/.requirements.sha256 node_modules/.bootstrap-lock.sha256 2>/dev/null || true; } \
        | sha256sum | cut -d' ' -f1
}
if [ "$FULL" -eq 0 ] && [ "$WITH_SCAN" -eq 0 ] && [ -x .venv/bin/python ] && [ -d node_modules ] \
    && [ "$(cat "$BOOT_STAMP" 2>/dev/null || true)" = "$(boot_sum)" ]; then
    say "skipped the checks: nothing changed since the last bootstrap ($BOOT_STAMP; make setup checks all)"
    exit 0
fi
rm -f "$BOOT_STAMP"  # written again only when every step below has succeeded

# Every step says how long it took (slow ones also say when they start: pip and npm take minutes).
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { s = b - a; if (s < 60) printf "%.1f s", s; else printf "%d min %02d s", s / 60, s % 60 }'; }
STARTED="$(now)"
STEP="$STARTED"
step() { STEP="$(now)"; }
done_step() { say "$* ($(since "$STEP"))"; }
die() { printf 'bootstrap: ERROR: %s\n' "$*" >&2; exit 1; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# Run a command as root: directly when we are root, through sudo when available.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        # Without a terminal (CI) sudo must not wait for a password.
        if [ -t 0 ]; then sudo "$@"; else sudo -n "$@"; fi
    else
        return 1
    fi
}

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install these by hand: $*"
    if [ "$APT_UPDATED" -eq 0 ]; then
        say "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
            || die "apt-get update failed (need root or sudo)"
        APT_UPDATED=1
    fi
    say "apt-get install $* ..."
    local started
    started="$(now)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" </dev/null \
        || die "apt-get install $* failed (need root or sudo)"
    say "apt-get install $* done ($(since "$started"))"
}

# --- 1. system packages ------------------------------------------------------
step
missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
# tools/puppeteer-config.json points at /usr/bin/chromium, so that is what must exist.
if ! command -v chromium >/dev/null 2>&1 || [ ! -x /usr/bin/chromium ]; then
    missing+=(chromium)
fi
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
command -v groovy >/dev/null 2>&1 || missing+=(groovy)
# jq: the review-comment scripts of the pipelines filter GitHub's JSON with it (tests run them with a fake gh).
command -v jq >/dev/null 2>&1 || missing+=(jq)
if [ -z "${JAVA_HOME:-}" ] && [ ! -e /usr/lib/jvm/default-java ]; then
    missing+=(default-jre-headless)
fi
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
    done_step "1/4 system packages installed"
else
    done_step "1/4 system packages ok: dot, chromium, npm, groovy, jq"
fi

# --- 2. loopback -------------------------------------------------------------
step
if command -v ip >/dev/null 2>&1; then
    if ! ip link show lo 2>/dev/null | grep -q '<[^>]*\bUP\b'; then
        say "bringing loopback up"
        ip link set lo up 2>/dev/null || as_root ip link set lo up 2>/dev/null \
            || say "could not bring lo up (ignored)"
    fi
fi

done_step "2/4 loopback ok"

# --- 3. Python venv ----------------------------------------------------------
step
PYTHON="${PYTHON:-python3}"
VENV=.venv
VENV_STAMP="$VENV/.requirements.sha256"
req_sum="$(sha256_of requirements.txt)"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found"
    if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        # Debian's python3 ships venv/ensurepip separately.
        apt_install python3-venv
    fi
    say "creating $VENV with $("$PYTHON" --version 2>&1)"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    rm -f "$VENV_STAMP"
fi

if [ "$(cat "$VENV_STAMP" 2>/dev/null || true)" != "$req_sum" ]; then
    say "pip install -r requirements.txt ... (a few minutes on a fresh machine)"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input -r requirements.txt
    printf '%s\n' "$req_sum" >"$VENV_STAMP"
    done_step "3/4 venv installed from requirements.txt"
else
    done_step "3/4 venv ok, requirements.txt unchanged"
fi

# --- 4. node_modules ---------------------------------------------------------
step
NODE_STAMP=node_modules/.bootstrap-lock.sha256
lock_sum="$(sha256_of package-lock.json)"
if [ ! -d node_modules ] || [ "$(cat "$NODE_STAMP" 2>/dev/null || true)" != "$lock_sum" ]; then
    say "npm ci ... (a minute or two on a fresh machine)"
    # Puppeteer must not download its own browser: we use Debian's chromium.
    PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund </dev/null
    printf '%s\n' "$lock_sum" >"$NODE_STAMP"
    done_step "4/4 node_modules installed from package-lock.json"
else
    done_step "4/4 node_modules ok, package-lock.json unchanged"
fi

# --- 5. scanner venv (only with --scan) --------------------------------------
# checkov has many dependencies; its own venv keeps them from the project's pinned .venv.
install_venv() {  # install_venv DIR REQUIREMENTS
    local dir="$1" req="$2" stamp="$1/.requirements.sha256" sum
    sum="$(sha256_of "$req")"
    if [ ! -x "$dir/bin/python" ] || ! "$dir/bin/python" -c 'import sys' >/dev/null 2>&1; then
        say "creating $dir"
        rm -rf "$dir"
        "$PYTHON" -m venv "$dir"
        rm -f "$stamp"
    fi
    if [ "$(cat "$stamp" 2>/dev/null || true)" != "$sum" ]; then
        say "pip install -r $req into $dir"
        "$dir/bin/python" -m pip install -q --disable-pip-version-check --no-input -r "$req"
        printf '%s\n' "$sum" >"$stamp"
    else
        say "$dir ok ($req unchanged)"
    fi
}
if [ "$WITH_SCAN" -eq 1 ]; then
    install_venv .venv-scan requirements-scan.txt
fi

mkdir -p "$(dirname "$BOOT_STAMP")"
boot_sum >"$BOOT_STAMP.tmp" && mv "$BOOT_STAMP.tmp" "$BOOT_STAMP"
say "done ($(since "$STARTED"))"
