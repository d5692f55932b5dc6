#!/usr/bin/env bash
# The chaos harness (docs/reliability.md): kill -9 of each service and of the broker at three points of a job.
# Usage, from anywhere: bench/chaos/run.sh [SECONDS [TARGET...]]   (builds once when the jars are missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ ! -f bench/target/bench.jar ]] || [[ ! -f envelope-service/target/quarkus-app/quarkus-run.jar ]]; then
  ./mvnw -B -q package -DskipTests
fi
exec java -Dfoley.home="$PWD" -cp "bench/target/bench.jar:bench/target/lib/*" io.foleystream.bench.ChaosHarness "$@"
