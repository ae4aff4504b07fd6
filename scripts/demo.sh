#!/usr/bin/env bash
# Starts the demo service under the agent, drives it with the load generator, stops it.
# Called by `./run demo` once agent/target/ebpf-agent.jar and demo-apps/target/demo-apps.jar
# are built:
#   scripts/demo.sh JAVA [LoadGenerator options, e.g. --concurrency=16 --mix=cpu:1,lock:1]
# Environment:
#   DEMO_SECONDS=30          how long the load runs
#   DEMO_CONCURRENCY=8       load generator workers
#   DEMO_EXECUTOR=platform   platform | virtual | both (HTTP worker threads of the service)
#   DEMO_PORT=0              service port (0 = any free port)
#   DEMO_AGENT_CONFIG=...    agent config (default demo-apps/config/demo-agent.yaml)
#   DEMO_NO_AGENT=1          run the service without the agent
#   DEMO_JAVA_OPTS=-Xmx256m  extra JVM options for the service (a small heap: /alloc causes GCs)
# Exit status: the load generator's (non-zero when more than 1% of the requests failed), or 1
# when the service does not come up.
set -euo pipefail
cd "$(dirname "$0")/.."

JAVA=${1:?usage: scripts/demo.sh JAVA [load generator options]}
shift

seconds=${DEMO_SECONDS:-30}
concurrency=${DEMO_CONCURRENCY:-8}
executor=${DEMO_EXECUTOR:-platform}
port=${DEMO_PORT:-0}
config=${DEMO_AGENT_CONFIG:-demo-apps/config/demo-agent.yaml}
agent_jar=agent/target/ebpf-agent.jar
demo_jar=demo-apps/target/demo-apps.jar
read -r -a java_opts <<< "${DEMO_JAVA_OPTS:--Xmx256m}"

if [ ! -f "$demo_jar" ]; then
  echo "demo: $demo_jar is missing; build it first (./run build)" >&2
  exit 1
fi

agent_opts=()
if [ -n "${DEMO_NO_AGENT:-}" ]; then
  echo "demo: DEMO_NO_AGENT is set: running the service WITHOUT the agent"
elif [ ! -f "$agent_jar" ]; then
  echo "demo: $agent_jar not found (the agent module did not produce it):" \
       "running the service WITHOUT the agent, so no eBPF metrics will be printed" >&2
else
  if [ ! -f "$config" ]; then
    echo "demo: agent config $config not found" >&2
    exit 1
  fi
  agent_opts=("-javaagent:$agent_jar=config=$(realpath "$config")")
  echo "demo: agent $agent_jar with config $config"
fi

log=$(mktemp -t demo-service.XXXXXX.log)
svc=""
tailer=""
cleanup() {
  if [ -n "$svc" ] && kill -0 "$svc" 2>/dev/null; then
    kill -TERM "$svc" 2>/dev/null || true
    wait "$svc" 2>/dev/null || true
  fi
  if [ -n "$tailer" ]; then
    wait "$tailer" 2>/dev/null || true
  fi
  rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$JAVA" "${java_opts[@]}" "${agent_opts[@]}" --enable-native-access=ALL-UNNAMED \
  -jar "$demo_jar" --port="$port" --executor="$executor" >"$log" 2>&1 &
svc=$!
# The service's own output (and the agent's, which shares its stdout/stderr) goes to the
# terminal as it comes; the log file is only there to find the "listening" line.
tail -n +1 -f --pid="$svc" "$log" &
tailer=$!

listen_port=""
for _ in $(seq 1 600); do
  listen_port=$(grep -m1 -oE 'demo-service listening on port [0-9]+' "$log" | grep -oE '[0-9]+$' || true)
  [ -n "$listen_port" ] && break
  if ! kill -0 "$svc" 2>/dev/null; then
    wait "$svc" && rc=0 || rc=$?
    svc=""
    echo "demo: the service exited with status $rc before listening" >&2
    exit 1
  fi
  sleep 0.2
done
if [ -z "$listen_port" ]; then
  echo "demo: the service did not print its listening line within 120 s" >&2
  exit 1
fi

echo "demo: driving http://127.0.0.1:$listen_port for ${seconds}s"
load_rc=0
"$JAVA" -cp "$demo_jar" io.ebpfagent.demo.LoadGenerator \
  --url="http://127.0.0.1:$listen_port" --duration="${seconds}s" --concurrency="$concurrency" "$@" \
  || load_rc=$?

echo "demo: stopping the service"
kill -TERM "$svc"
svc_rc=0
wait "$svc" || svc_rc=$?
svc=""
wait "$tailer" 2>/dev/null || true
tailer=""
# 143 = terminated by the SIGTERM just sent, the normal way out.
if [ "$svc_rc" -ne 0 ] && [ "$svc_rc" -ne 143 ]; then
  echo "demo: the service exited with status $svc_rc" >&2
  [ "$load_rc" -ne 0 ] || load_rc=$svc_rc
fi
exit "$load_rc"
