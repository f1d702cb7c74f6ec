# Recipes for day-to-day work. Each is a plain command; nothing here is
# needed to build or test.

# Build the binary in release mode.
build:
    cargo build --release

# Run the test suite.
test:
    cargo test

# Render the example offices into out/.
render:
    cargo run --release -- build offices/

# Check formatting and lints.
lint:
    cargo fmt --check
    cargo clippy --all-targets -- -D warnings

# Validate the rendered manifests with the shared validator.
validate:
    ../shared/tools/validate-manifests out/

# Time a full build, a rebuild and cp -r of 1000 offices x 25 agents x 8
# integrations (see BENCHMARK.md).
bench:
    cargo run --release --example bench -- 1000 25 8

# Everything CI runs.
ci:
    bash .ci/run
