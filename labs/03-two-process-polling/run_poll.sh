#!/usr/bin/env bash
# run_poll.sh: run process A (poll_reader) and process B (poll_writer) on one
# file, in order, without sleep: B starts only after A has printed its line
# "waiting for a change", so A has mapped the file and printed view 1.
# Every line is tagged with the process that printed it.
#
# Usage: bash run_poll.sh FILE [TEXT]
# Needs poll_reader and poll_writer on PATH (make puts them in build/bin).
set -euo pipefail

if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then
  echo "run_poll.sh: usage: run_poll.sh FILE [TEXT]" >&2
  exit 2
fi
file=$1
text=${2:-hello from B}

# A's standard output goes through a FIFO in a private directory.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkfifo "$tmp/a"
poll_reader "$file" >"$tmp/a" &
a_pid=$!
exec 3<"$tmp/a"

# Show A's lines until it says it is waiting: that is the handshake.
ready=0
while IFS= read -r line <&3; do
  printf 'A: %s\n' "$line"
  case "$line" in "waiting for a change"*) ready=1; break ;; esac
done
if [ "$ready" -eq 0 ]; then
  status=0
  wait "$a_pid" || status=$?
  echo "run_poll.sh: poll_reader ended (status $status) before it was ready" >&2
  exit 1
fi

# Process B: one store through its own mapping of the same file.
poll_writer "$file" "$text" | sed 's/^/B: /'

# The rest of A's output: the change it saw.
while IFS= read -r line <&3; do
  printf 'A: %s\n' "$line"
done
exec 3<&-
status=0
wait "$a_pid" || status=$?
echo "A exited with status $status"
