# Sourced by the benchmark scripts. `timed OUT CMD...` runs CMD and writes "WALL_SECONDS PEAK_KB"
# to OUT. The wall time comes from bash's EPOCHREALTIME (microseconds) around GNU time, which
# gives the peak memory (resident set, KB): GNU time's own %e counts in steps of 10 ms, too
# coarse for whole processes of 60 ms. A failing CMD returns its status and writes nothing.
timed() {
    local out="$1"; shift
    local start=$EPOCHREALTIME
    /usr/bin/time -f "%M" -o "$out.peak" "$@" || return
    local end=$EPOCHREALTIME
    awk -v a="$start" -v b="$end" -v m="$(cat "$out.peak")" 'BEGIN { printf "%.6f %s\n", b - a, m }' >"$out"
    rm -f "$out.peak"
}
