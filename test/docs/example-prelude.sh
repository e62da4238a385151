# The shell the docs examples run in (test/docs/run-example.ts): bash, with `curl` recording each answer,
# `npx aml-schedule` running this checkout's command line, and `npm start` standing for the host the test
# already started.
set -euo pipefail
# Answers are numbered through a file, so that a curl in a subshell ($(curl ...), a pipe) counts as well.
echo 0 >"$DOC_TEST_DIR/calls"
curl() {
  local call
  call=$(($(cat "$DOC_TEST_DIR/calls") + 1))
  echo "$call" >"$DOC_TEST_DIR/calls"
  # The headers go to a file of their own, so that the example's own -i, -o and -w work as for the reader.
  command curl --silent --show-error --max-time 30 --dump-header "$DOC_TEST_DIR/answer.$call.headers" "$@" |
    tee "$DOC_TEST_DIR/answer.$call.body"
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
