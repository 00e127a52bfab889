#!/usr/bin/env bash
# Installs what the build and the tests need (Debian 12 packages), then configures and builds
# brinkwatch into build/ (release with debug info). Safe to run again: apt runs only when a
# package is missing, and the build is incremental.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(
  build-essential cmake ninja-build pkg-config
  clang libclang-rt-14-dev          # libFuzzer and sanitizer runtimes for the fuzz build
  libhyperscan-dev libsimdjson-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libutf8proc-dev libcld2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  librdkafka-dev kafkacat
  libcpp-httplib-dev               # the /metrics, /healthz and /ready endpoint
  python3 python3-jsonschema      # the tests check records against docs/schemas
  python3-yaml systemd binutils   # tests/deploy: parse deploy/, systemd-analyze verify, readelf
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "setup: missing packages (${missing[*]}) and neither root nor sudo available" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update
  "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
ninja -C build -j"$jobs"
