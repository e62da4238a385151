# The shell the docs examples run in (test/docs/run-example.ts): bash, with `curl` recording each answer,
# `npx aml-schedule` running this checkout's command line, and `npm start` standing for the host the test
# already started.
set -euo pipefail
__calls=0
curl() {
  __calls=$((__calls + 1))
  local out="$DOC_TEST_DIR/answer.$__calls"
  command curl --silent --show-error --max-time 30 --write-out '\n%{http_code}' "$@" >"$out"
  local status
  status=$(tail -n 1 "$out")
  head -c -$((${#status} + 1)) "$out"
}
npx() {
  if [ "$1" != "aml-schedule" ]; then
    echo "doc test: only 'npx aml-schedule' runs here, not 'npx $1'" >&2
    return 127
  fi
  shift
  "$DOC_TEST_TSX" "$DOC_TEST_CLI" "$@"
}
npm() {
  if [ "$*" = "start" ]; then return 0; fi
  echo "doc test: 'npm $*' does not run here" >&2
  return 127
}
