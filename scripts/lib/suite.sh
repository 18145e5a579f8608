# Shared by the suites that run PostgreSQL's own test drivers (scripts/regress.sh: pg_regress,
# scripts/isolation.sh: pg_isolation_regress). Sourced, after `set -euo pipefail` and cd to the
# repository root:
#   suite_args NAME HELP_LINES "$@"  defines die/say prefixed with NAME; reads --stop,
#                                    --no-install (or PK_<NAME>_NO_INSTALL=1), -h (prints lines
#                                    2..HELP_LINES of the calling script) and the TEST names
#                                    into: stop, install, tests[]
#   suite_run DRIVER ARGS…           runs the driver, prints its diffs and exits 1 on a failure
#   suite_start                      stops the cluster at exit (--stop or PK_STOP_CLUSTER=1),
#                                    installs the extension unless --no-install, starts the
#                                    major's cluster and exports its PGHOST, PGPORT, PGUSER
suite_args() {
  suite_name=$1
  local help=$2 no_install_var
  shift 2
  die() { printf '%s: error: %s\n' "$suite_name" "$*" >&2; exit 2; }
  say() { printf '%s: %s\n' "$suite_name" "$*"; }
  no_install_var="PK_$(printf '%s' "$suite_name" | tr '[:lower:]' '[:upper:]')_NO_INSTALL"
  stop=${PK_STOP_CLUSTER:-0}
  install=1
  [ "${!no_install_var:-0}" = 1 ] && install=0
  tests=()
  for arg in "$@"; do
    case $arg in
      --stop) stop=1 ;;
      --no-install) install=0 ;;
      -h|--help) sed -n "2,${help}p" "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
      -*) die "unknown option $arg (see --help)" ;;
      *) tests+=("$arg") ;;
    esac
  done
}

suite_start() {
  if [ "$stop" = 1 ]; then
    trap 'scripts/pgcluster.sh stop || true' EXIT
  fi
  if [ "$install" = 1 ]; then
    scripts/install-extension.sh
  fi
  # pgcluster.sh starts the server without RUST_BACKTRACE, so no Rust backtrace is appended to
  # the DETAIL of errors and the expected output does not depend on the machine.
  scripts/pgcluster.sh start
  eval "$(scripts/pgcluster.sh env)"   # PGHOST (the socket directory), PGPORT, PGUSER
}

# suite_run DRIVER ARGS...: runs the test driver (pg_regress, pg_isolation_regress) and exits
# non-zero with its diffs printed when a test fails.
suite_run() {
  local driver=$1 rc=0
  shift
  say "$driver $*"
  "$driver" "$@" || rc=$?
  if [ "$rc" -ne 0 ]; then
    if [ -s "$OUTPUT_DIR/regression.diffs" ]; then
      say "differences (also in $OUTPUT_DIR/regression.diffs):"
      cat "$OUTPUT_DIR/regression.diffs"
    fi
    say "FAILED ($(basename "$driver") exit $rc); outputs in $OUTPUT_DIR/results/"
    exit 1
  fi
  say "all tests passed (outputs in $OUTPUT_DIR/results/)"
  if [ "$stop" != 1 ]; then
    say "the cluster is still running; stop it with scripts/pgcluster.sh stop (or pass --stop next time)"
  fi
}
