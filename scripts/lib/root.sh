# shellcheck shell=bash
# weft_become_root SCRIPT ARGS...: runs the calling script as root. Already root: returns. Otherwise re-runs it
# through sudo when there is one (keeping the environment, so WEFT_* and CI settings carry over), else stops with
# one line saying what to do. A fresh Debian machine may have no sudo and the user may already be root; the
# README's commands work as given either way.
weft_become_root() {
  [ "$(id -u)" = 0 ] && return 0
  local script=$1; shift
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -E "$script" "$@"
  fi
  echo "weft: $(basename "$script") needs root (network namespaces, TUN and VXLAN devices) and there is no sudo: run it as root" >&2
  exit 1
}
