# throughput.gp: IPC throughput against message size (log-log), one line per
# mechanism, with single-thread memcpy as the reference line.
#
# Usage: gnuplot -e "datadir='build/bench'; outdir='build/plots'; fmt='svg'" throughput.gp
#   datadir  where scripts/bench-summary wrote throughput-median.csv (the
#            medians over the repetitions) beside ipc_bench's memcpy.csv
#   outdir   where throughput.svg (or .png) goes
#   fmt      svg or png; pngterm names the PNG terminal (png or pngcairo)
# scripts/plots runs this for both formats.
if (!exists("datadir")) datadir = "build/bench"
if (!exists("outdir")) outdir = "build/plots"
if (!exists("fmt")) fmt = "svg"
if (!exists("pngterm")) pngterm = "png"
if (fmt eq "svg") {
    set terminal svg size 1000,650 dynamic enhanced font "sans,11" background "white"
} else {
    eval "set terminal ".pngterm." size 1000,650"
}
set output outdir."/throughput.".fmt

data = datadir."/throughput-median.csv"
set datafile separator ","
# The reference: one process copying a buffer too big for the caches.
stats datadir."/memcpy.csv" using ($3 == 1 ? $4 : NaN) nooutput
memcpy = STATS_max

# Every series of the file, in its order (one CPU: the same-cpu ones only).
series = system("awk -F, 'NR > 1 && !seen[$1]++ { printf \"%s \", $1 }' '".data."'")

set title "Throughput between two processes, median of the repetitions (every message verified)"
set logscale xy 2
set format x "%.0b%B"
set xlabel "message size (bytes)"
set ylabel "MB/s (10^6 bytes per second)"
set format y "%.0f"
set logscale y 10
set grid
set key outside right top font ",9"
plot for [s in series] data using (strcol(1) eq s ? $6 : NaN):(strcol(1) eq s ? $9 : NaN) \
         with linespoints lw 2 title s, \
     memcpy with lines dt 2 lw 3 lc rgb "black" title sprintf("memcpy, one process (%.0f MB/s)", memcpy)
