# latency.gp: one-way latency (half a 64-byte round trip) of each mechanism,
# median and p99, log scale.
#
# Usage: gnuplot -e "datadir='build/bench'; outdir='build/plots'; fmt='svg'" latency.gp
#   (the same variables as throughput.gp; reads latency-median.csv, the
#   medians over the repetitions by scripts/bench-summary; writes latency.svg/.png)
if (!exists("datadir")) datadir = "build/bench"
if (!exists("outdir")) outdir = "build/plots"
if (!exists("fmt")) fmt = "svg"
if (!exists("pngterm")) pngterm = "png"
if (fmt eq "svg") {
    set terminal svg size 1000,650 dynamic enhanced font "sans,11" background "white"
} else {
    eval "set terminal ".pngterm." size 1000,650"
}
set output outdir."/latency.".fmt

set datafile separator ","
set key autotitle columnhead
set title "One-way latency, 64-byte ping-pong (placement and wait mode in each name)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set ylabel "microseconds (log scale)"
set xtics rotate by -40 scale 0 font ",9"
set grid ytics
set bmargin 12
plot datadir."/latency-median.csv" using 8:xtic(1) title "median", \
     "" using 9 title "p99"
