# shellcheck shell=bash
# weft_become_root SCRIPT [--or-continue] ARGS...: runs the calling script as root. Already root: returns. Otherwise
# re-runs it through sudo when there is one (keeping the environment, so WEFT_* and CI settings carry over), else
# stops with one line saying what to do, or with --or-continue says what will skip and returns. A fresh Debian
# machine may have no sudo and the user may already be root; the README's commands work as given either way.
# SCRIPT must be an absolute path: the callers have already changed into the checkout.
weft_become_root() {
  [ "$(id -u)" = 0 ] && return 0
  local script=$1; shift
  local continue=0
  if [ "${1:-}" = --or-continue ]; then continue=1; shift; fi
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -E "$script" "$@"
  fi
  if [ "$continue" = 1 ]; then
    echo "weft: not root and no sudo: the tests that need root (network namespaces, TUN, VXLAN devices) will skip" >&2
    return 0
  fi
  echo "weft: $(basename "$script") needs root (network namespaces, TUN and VXLAN devices) and there is no sudo: run it as root" >&2
  exit 1
}
