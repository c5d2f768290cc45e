#!/usr/bin/env bash
# Sets up a Debian 12 machine for ShiftScope and builds it, then either opens the GUI on the demo workspace
# (`run`) or runs the whole test suite (`test`). Safe to run again: it installs only missing packages and
# rebuilds incrementally.
set -euo pipefail

mode=${1:-run}
case "$mode" in run|test) ;; *) echo "usage: $0 run|test" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."

# Every package the build, the tests and the GUI need, named here: installs run with --no-install-recommends, so
# nothing may come in only as a Recommends (libqt6opengl6-dev is one for qt6-base-dev, yet Qt6Charts' CMake config
# needs it; libopenblas0-openmp is one for libtorch, which otherwise falls back to the ~20x slower reference BLAS).
packages=(
  cmake ninja-build g++ ccache pkg-config     # toolchain
  qt6-base-dev libqt6opengl6-dev qt6-qpa-plugins qt6-charts-dev qt6-svg-dev fonts-dejavu-core  # GUI, charts, SVG
  libtorch-dev libopenblas0-openmp            # the model engine and a fast BLAS for it
  libsqlite3-dev libssl-dev nlohmann-json3-dev  # workspace, hashing, JSON
)

# The test suite also runs a real single-host Slurm cluster (tests/slurm/local-cluster.sh).
if [ "$mode" = test ]; then
  packages+=(slurm-wlm munge)
fi

bash packaging/install-missing.sh "${packages[@]}"

if [ "$mode" = test ]; then
  cmake --preset dev
  cmake --build --preset dev
  ctest --preset dev --output-on-failure
else
  cmake --preset release
  cmake --build --preset release --target shiftscope shiftscope-cli  # the programs only: no test suites
  workspace="${XDG_DATA_HOME:-$HOME/.local/share}/shiftscope/demo/demo.sqlite"
  build/release/app/shiftscope-cli --workspace "$workspace" demo
  if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo "No display found: the demo workspace is ready at $workspace; open it with build/release/app/shiftscope \"$workspace\"" >&2
    exit 0
  fi
  exec build/release/app/shiftscope "$workspace"
fi
