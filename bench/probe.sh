#!/usr/bin/env bash
# Called by bench/sql/timed.psql through psql's \! right before BEGIN ("before") and right
# after COMMIT ("after"), with BENCH_PID = the backend's pg_backend_pid() and BENCH_RUN_DIR.
# Appends key=value lines to $BENCH_RUN_DIR/probe:
#   hwm_*       VmHWM of the backend (kB). Counts every shared-buffer page the backend touches.
#   anon_*      RssAnon (kB): the backend's private memory. anon_peak is sampled every 20 ms
#               between before and after by a fork-free background loop.
#   so_mapped   size in bytes of the phoenix_kit_mig.so the backend has mapped after COMMIT (0 if none).
set -u
pid=${BENCH_PID:?} dir=${BENCH_RUN_DIR:?}
out=$dir/probe

field() { # field NAME -> value in kB from /proc/$pid/status, 0 if unreadable
  local k v _
  while read -r k v _; do
    if [ "$k" = "$1:" ]; then echo "$v"; return; fi
  done < "/proc/$pid/status" 2>/dev/null
  echo 0
}

mapped_so_size() {
  local line range path
  line=$(grep -m1 -E 'phoenix_kit_mig[^/]*\.so' "/proc/$pid/maps" 2>/dev/null) || { echo 0; return; }
  range=${line%% *}
  if [ -e "/proc/$pid/map_files/$range" ]; then
    stat -L -c %s "/proc/$pid/map_files/$range" 2>/dev/null && return
  fi
  path=/${line#*/}
  path=${path% (deleted)}
  stat -c %s "$path" 2>/dev/null || echo 0
}

sampler() {
  local max=0 k v _
  exec 3<> <(:)              # something to time out on: read -t without forking sleep
  trap 'echo "anon_peak=$max" > "$dir/peak"; exit 0' TERM
  while [ -r "/proc/$pid/status" ]; do
    while read -r k v _; do
      if [ "$k" = RssAnon: ]; then [ "$v" -gt "$max" ] && max=$v; break; fi
    done < "/proc/$pid/status" 2>/dev/null
    read -r -t 0.02 -u 3 _ || true
  done
  echo "anon_peak=$max" > "$dir/peak"
}

case ${1:-} in
  before)
    rm -f "$dir/peak"
    { echo "hwm_before=$(field VmHWM)"; echo "anon_before=$(field RssAnon)"; } >> "$out"
    sampler </dev/null >/dev/null 2>&1 &
    echo $! > "$dir/sampler.pid"
    ;;
  after)
    { echo "hwm_after=$(field VmHWM)"; echo "anon_after=$(field RssAnon)"; echo "so_mapped=$(mapped_so_size)"; } >> "$out"
    if [ -f "$dir/sampler.pid" ]; then
      kill -TERM "$(cat "$dir/sampler.pid")" 2>/dev/null || true
      for _ in $(seq 100); do [ -s "$dir/peak" ] && break; sleep 0.01; done
      cat "$dir/peak" >> "$out" 2>/dev/null || true
      rm -f "$dir/sampler.pid"
    fi
    ;;
  *) echo "usage: $0 before|after" >&2; exit 2 ;;
esac
