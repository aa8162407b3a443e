# latency.gp: one-way latency (half a 64-byte round trip) of each series,
# median and p99, as horizontal bars on a log scale: the names read
# across, each bar is labelled with its value.
#
# Usage: gnuplot -e "datadir='build/bench'; outdir='build/plots'; fmt='svg'" latency.gp
#   (the same variables as throughput.gp; reads latency-median.csv, the
#   medians over the repetitions by scripts/bench-summary; writes latency.svg/.png)
if (!exists("datadir")) datadir = "build/bench"
if (!exists("outdir")) outdir = "build/plots"
if (!exists("fmt")) fmt = "svg"
if (!exists("pngterm")) pngterm = "png"
if (!exists("subtitle")) subtitle = ""
data = datadir."/latency-median.csv"
set datafile separator ","
stats data skip 1 using 8 nooutput
rows = STATS_records
lo = STATS_min
stats data skip 1 using 9 nooutput
hi = STATS_max
height = 190 + 46 * rows
if (fmt eq "svg") {
    eval sprintf("set terminal svg size 1000,%d dynamic noenhanced font 'sans,14' background 'white'", height)
} else {
    eval sprintf("set terminal %s size 1000,%d noenhanced font 'sans,11' background 'white'", pngterm, height)
}
# Text sizes: px in SVG; the PNG terminal takes points (11 pt = 14 px here).
f14 = fmt eq "svg" ? ",14" : ",11"
f17 = fmt eq "svg" ? ",17" : ",13.4"
set output outdir."/latency.".fmt

# From the decade below the fastest median to past the slowest p99 (room for its label).
xmin = 10 ** floor(log10(lo))
xmax = hi * 6
set label 3 "One-way latency: half a 64-byte round trip, median and 99th percentile of the round trips" \
    at screen 0.5, screen 1 - 28.0 / height center font f17
if (subtitle ne "") set label 2 subtitle at screen 0.5, screen 1 - 56.0 / height center font f14
set tmargin 5
set bmargin 4
set logscale x
set xrange [xmin:xmax]
set yrange [rows - 0.5:-0.5]
set format x "%g"
set xlabel "microseconds, one way (log scale)"
set ytics scale 0 nomirror
set grid xtics
set key at screen 0.98, screen 1 - 66.0 / height right top horizontal samplen 2
set style fill solid 0.85 border -1
num(v) = v < 10 ? sprintf(" %.2f", v) : v < 100 ? sprintf(" %.1f", v) : sprintf(" %.0f", v)
plot data skip 1 using (xmin):0:(xmin):8:($0 - 0.4):($0 - 0.02):ytic(1) with boxxyerror lc rgb "#4477aa" title "median", \
     "" skip 1 using (xmin):0:(xmin):9:($0 + 0.02):($0 + 0.4) with boxxyerror lc rgb "#ee6677" title "p99", \
     "" skip 1 using 8:($0 - 0.21):(num($8)) with labels left notitle, \
     "" skip 1 using 9:($0 + 0.21):(num($9)) with labels left notitle
