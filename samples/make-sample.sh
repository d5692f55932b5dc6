#!/usr/bin/env bash
# Makes samples/stick-hits.mp4: a stick striking surfaces, with the impact sounds, encoded by the project itself
# (io.foleystream.media.SyntheticClip: H.264 + AAC in MP4, 320x240, 24 fps, 6 s, impacts at known times).
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$home/foley" --version >/dev/null   # builds the project if needed
exec java -cp "$home/foley-cli/target/foley-cli.jar:$home/foley-cli/target/lib/*" \
  io.foleystream.media.SyntheticClip "$home/samples/stick-hits.mp4"
