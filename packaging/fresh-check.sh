#!/usr/bin/env bash
# Proves the README's commands on a fresh, minimal Debian 12 (bookworm) root, as a new user's machine would be:
# nothing installed but git and ca-certificates, a clean environment, no display.
#
#   bash packaging/fresh-check.sh              the README's test command, then its first command (demo, no display)
#   bash packaging/fresh-check.sh STEP...      the steps named, in order: test (the test command), run (the first
#                                              command), fuzz (tests/fuzz/run-fuzzers.sh --runs 20000)
#   bash packaging/fresh-check.sh -- CMD...    any command, run in the clone inside the root
#
# It checks the commit at HEAD (uncommitted changes are not part of it), cloned into /root/shiftscope in the root,
# with a copy of ../shared beside it when there is one. Needs root (mmdebstrap, mount, chroot) and the network to
# the Debian mirror; installs mmdebstrap on the host when it is missing.
#
# Kept between runs, under $SHIFTSCOPE_FRESH_CACHE (default /var/cache/shiftscope-fresh-check): downloaded .deb
# files and the compiler cache. Neither can hide a missing package: apt still has to be asked for every package
# (a .deb in the cache is only a download saved), and ccache only answers for a compilation whose headers all
# exist and hash as before, so a missing -dev package still fails at configure or compile time.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: $0 [test|run|fuzz ...] | -- COMMAND..."
steps=()
command=()
if [ "${1:-}" = -- ]; then
  shift
  [ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }
  command=("$@")
else
  [ $# -gt 0 ] || set -- test run
  for step in "$@"; do
    case "$step" in
      all) steps+=(test run) ;;
      test|run|fuzz) steps+=("$step") ;;
      *) echo "$usage" >&2; exit 2 ;;
    esac
  done
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "fresh-check: needs root for mmdebstrap, mount and chroot; run it with sudo" >&2
  exit 2
fi

cache=${SHIFTSCOPE_FRESH_CACHE:-/var/cache/shiftscope-fresh-check}
mirror=${SHIFTSCOPE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${SHIFTSCOPE_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}

stamp() { date -u +%H:%M:%S; }
say() { echo "[fresh-check $(stamp)] $*"; }

if ! command -v mmdebstrap >/dev/null; then
  say "installing mmdebstrap on the host"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
fi

mkdir -p "$cache/apt-archives/partial" "$cache/ccache"
root=$(mktemp -d /var/tmp/shiftscope-fresh.XXXXXX)
mounted=()
cleanup() {
  local status=$?
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[i]}" 2>/dev/null || umount -R -l "${mounted[i]}" 2>/dev/null || true
  done
  # Never delete through a mount that is still there.
  if findmnt -rn -o TARGET | grep -q "^$root/"; then
    say "left $root in place: something is still mounted inside it" >&2
  else
    rm -rf "$root"
  fi
  exit $status
}
trap cleanup EXIT INT TERM

started=$SECONDS
say "creating a minimal Debian 12 root in $root"
mmdebstrap --quiet --variant=apt --include=git,ca-certificates bookworm "$root" \
  "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main"
say "root ready after $((SECONDS - started)) s"

say "cloning $(git -C "$here" rev-parse --short HEAD) into /root/shiftscope"
if [ -n "$(git -C "$here" status --porcelain --untracked-files=no)" ]; then
  say "note: the working tree has uncommitted changes; only the commit at HEAD is checked"
fi
git clone --quiet --no-local "$here" "$root/root/shiftscope"
git -C "$root/root/shiftscope" checkout --quiet "$(git -C "$here" rev-parse HEAD)"
if [ -d "$here/../shared" ]; then
  cp -a "$here/../shared" "$root/root/shared"
  chmod -R a-w "$root/root/shared"
else
  say "no ../shared beside the checkout: the tests that need its fixtures will skip"
fi

bind() {  # bind HOST_DIR TARGET_IN_ROOT
  mkdir -p "$root$2"
  mount --rbind "$1" "$root$2"
  mount --make-rslave "$root$2"
  mounted+=("$root$2")
}
mount -t proc proc "$root/proc"; mounted+=("$root/proc")
bind /sys /sys
bind /dev /dev
bind "$cache/apt-archives" /var/cache/apt/archives
bind "$cache/ccache" /root/.cache/ccache
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

inside() {  # runs a command in the clone, in the root, with the environment a fresh login would have
  env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    chroot "$root" /bin/bash -c 'cd /root/shiftscope && "$@"' inside "$@"
}

if ((${#command[@]})); then
  inside "${command[@]}"
  exit
fi

for step in "${steps[@]}"; do
  started_step=$SECONDS
  case "$step" in
    test)
      say "running the README's test command: bash packaging/bootstrap.sh test"
      inside bash packaging/bootstrap.sh test
      say "test command passed in $((SECONDS - started_step)) s"
      ;;
    run)
      say "running the README's first command with no display: bash packaging/bootstrap.sh run"
      log="$root/root/run-command.log"
      inside bash packaging/bootstrap.sh run 2>&1 | tee "$log"
      if ! grep -q "the demo workspace is ready at" "$log"; then
        say "the first command exited 0 but did not say that the demo workspace is ready" >&2
        exit 1
      fi
      demo=$(sed -n 's/.*the demo workspace is ready at \(.*\); open it with.*/\1/p' "$log" | tail -n 1)
      if [ -z "$demo" ] || [ ! -s "$root$demo" ]; then
        say "the first command named no demo workspace, or it is missing or empty: '$demo'" >&2
        exit 1
      fi
      say "first command prepared $demo in $((SECONDS - started_step)) s"
      ;;
    fuzz)
      say "fuzzing every file loader: bash tests/fuzz/run-fuzzers.sh --runs 20000"
      inside bash tests/fuzz/run-fuzzers.sh --runs 20000
      say "no loader failed on 20000 fuzzed inputs each, in $((SECONDS - started_step)) s"
      ;;
  esac
done

say "all done in $((SECONDS - started)) s"
