#!/bin/bash
# Builds shiftscope-cli and the device check without Qt (-DSHIFTSCOPE_GUI=OFF) against a CUDA build of libtorch,
# then runs the check: forward passes and every model intervention on the GPU, compared with the CPU.
#
#   packaging/gpu-check.sh [BUILD_DIR] [CMAKE_ARG ...]
#
# libtorch is taken from Torch_DIR when set (the folder holding TorchConfig.cmake, e.g. libtorch/share/cmake/Torch
# of an unpacked CUDA libtorch), else from the PyTorch that python3 imports. SQLite, OpenSSL and nlohmann/json are
# found as usual; give -DCMAKE_PREFIX_PATH=... when they live elsewhere. Exit status: 0 when every check passed,
# 77 when libtorch has no CUDA or no GPU is visible (only the refusal is checked), 1 when a check failed, 2 when
# the build cannot be set up.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/gpu}
shift || true

torch_dir=${Torch_DIR:-}
if [ -z "$torch_dir" ]; then
  if ! torch_dir=$(python3 -c 'import os, torch; print(os.path.join(torch.utils.cmake_prefix_path, "Torch"))' 2>/dev/null); then
    echo "error: no libtorch found: python3 cannot import torch and Torch_DIR is not set" >&2
    echo "  fix: Torch_DIR=/path/to/libtorch/share/cmake/Torch $0 $*" >&2
    exit 2
  fi
fi
if [ ! -f "$torch_dir/TorchConfig.cmake" ]; then
  echo "error: $torch_dir holds no TorchConfig.cmake" >&2
  echo "  fix: set Torch_DIR to the folder of TorchConfig.cmake (libtorch/share/cmake/Torch)" >&2
  exit 2
fi

cuda_args=()
if [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH=/usr/local/cuda/bin:$PATH
  cuda_args=(-DCUDAToolkit_ROOT=/usr/local/cuda)
fi
generator=()
if command -v ninja >/dev/null; then
  generator=(-G Ninja)
fi

echo "libtorch: $torch_dir"
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DSHIFTSCOPE_GUI=OFF \
  -DTorch_DIR="$torch_dir" "${cuda_args[@]}" "$@"
cmake --build "$build" --target shiftscope-cli check_devices -j "$(nproc)"
"$build/app/shiftscope-cli" --version
status=0
"$build/tests/check_devices" || status=$?
exit "$status"
