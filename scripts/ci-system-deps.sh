#!/usr/bin/env bash
# System packages the cross-package tests need, from Debian:
#   tmux      drives `parley chat` in a real terminal
#   chromium  the desktop app's browser tests (playwright-core drives it)
# Idempotent and quiet; called from .ci/run.
set -euo pipefail
missing=()
command -v tmux >/dev/null || missing+=(tmux)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian…" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
