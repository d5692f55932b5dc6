#!/usr/bin/env bash
# Makes samples/world/: held-out clips of the procedural training world (test-split seeds, never trained on), each
# given sound by the default pack (foley-mini) twice: from everything the clip offers (picture, its caption as the
# prompt, its own sound and the envelope of that sound), and from the picture alone (modality video, envelope from
# the motion). Writes <clip>.foley.mp4/.wav, <clip>.picture.wav and an envelope plot, <clip>.svg. Its Python parts
# run on Debian's /usr/bin/python3 (python3-numpy). It starts the local cluster and stops it at the end: run it when
# none is up.
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$home/samples/world"
world="$home/target/sample-world"
seeds=(2000014 2000012 2000010 2000009 2000008)
"$home/foley" --version >/dev/null   # builds the project if needed
[ -f "$home/bench/target/bench.jar" ] || (cd "$home" && ./mvnw -B -q -pl bench -am package -DskipTests)

/usr/bin/python3 "$home/tools/train/make_world.py" --out "$world" --split test --count 15 --duration 6 \
  --fps 24 --size 256 --shard-size 15
mkdir -p "$out"
java -cp "$home/bench/target/bench.jar:$home/bench/target/lib/*" io.foleystream.bench.WorldClipFiles \
  "$world" test "$out" "${seeds[@]}"

caption() {
  /usr/bin/python3 -c 'import json, sys; print(next(c["caption"] for s in json.load(open(sys.argv[1]))["shards"]
for c in s["clips"] if c["seed"] == int(sys.argv[2])))' "$world/test.json" "$1"
}

"$home/foley" up
trap '"$home/foley" down' EXIT
for seed in "${seeds[@]}"; do
  clip="$(ls "$out/$seed"-*.mp4 | grep -v '\.foley\|\.picture')"
  name="${clip%.mp4}"
  "$home/foley" run "$clip" --prompt "$(caption "$seed")" --seed 7 --out "$name.foley"
  "$home/foley" run "$clip" --modalities video --envelope-source video --seed 7 --out "$name.picture"
  for track in "$clip" "$name.foley.wav" "$name.picture.wav"; do
    "$home/foley" envelope "$track" --preset t-foley --sample-rate 16000 --source audio --out "$track.envelope.csv"
  done
  /usr/bin/python3 "$home/tools/train/plot_envelopes.py" --title "$(basename "$name"): $(caption "$seed")" \
    --out "$name.svg" "source sound=$clip.envelope.csv" "foley-mini, all modalities=$name.foley.wav.envelope.csv" \
    "foley-mini, picture only=$name.picture.wav.envelope.csv"
  rm "$clip.envelope.csv" "$name.foley.wav.envelope.csv" "$name.picture.wav.envelope.csv" "$name.picture.mp4"
done
