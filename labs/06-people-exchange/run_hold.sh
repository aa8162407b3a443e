#!/usr/bin/env bash
# run_hold.sh: run people_reader while people_writer holds its mapping, in
# order, without sleep: the reader starts once the writer has printed
# "initialize over", and the writer is told to unmap (its standard input,
# a FIFO, is closed) once the reader has finished. Every line is tagged with
# the program that printed it.
#
# Usage: bash run_hold.sh FILE [WRITER-OPTION...]   (for example --sync)
# Needs people_writer and people_reader on PATH (make puts them in build/bin).
set -euo pipefail

if [ "$#" -lt 1 ]; then
  echo "run_hold.sh: usage: run_hold.sh FILE [WRITER-OPTION...]" >&2
  exit 2
fi
file=$1
shift

# The writer's standard input and output are FIFOs in a private directory.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkfifo "$tmp/in" "$tmp/out"
people_writer "$@" "$file" <"$tmp/in" >"$tmp/out" &
w_pid=$!
exec 4>"$tmp/in"   # held open: the writer holds its mapping until it closes
exec 3<"$tmp/out"

# Show the writer's lines up to "initialize over": that is the handshake.
ready=0
while IFS= read -r line <&3; do
  printf 'writer: %s\n' "$line"
  if [ "$line" = "initialize over" ]; then ready=1; break; fi
done
if [ "$ready" -eq 0 ]; then
  exec 4>&-
  status=0
  wait "$w_pid" || status=$?
  echo "run_hold.sh: people_writer ended (status $status) before it was ready" >&2
  exit 1
fi

# The reader, while the writer still has the file mapped.
people_reader "$file" | sed 's/^/reader: /'

# Let the writer go, and show the rest of what it says.
exec 4>&-
while IFS= read -r line <&3; do
  printf 'writer: %s\n' "$line"
done
exec 3<&-
status=0
wait "$w_pid" || status=$?
echo "writer exited with status $status"
