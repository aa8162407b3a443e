# copies.gp: the copies experiment: one file from one process to another
# through a pipe (4 copies) and through shared memory (2 copies), with the
# system time both processes spent.
#
# Usage: gnuplot -e "datadir='build/bench'; outdir='build/plots'; fmt='svg'" copies.gp
#   (the same variables as throughput.gp; reads copies.csv, writes copies.svg/.png)
if (!exists("datadir")) datadir = "build/bench"
if (!exists("outdir")) outdir = "build/plots"
if (!exists("fmt")) fmt = "svg"
if (!exists("pngterm")) pngterm = "png"
if (fmt eq "svg") {
    set terminal svg size 900,450 dynamic enhanced font "sans,11" background "white"
} else {
    eval "set terminal ".pngterm." size 900,450"
}
set output outdir."/copies.".fmt

data = datadir."/copies.csv"
set datafile separator ","
set style fill solid 0.8 border -1
set boxwidth 0.6
set xrange [-0.7:1.7]
set yrange [0:*]
set xtics scale 0 font ",9"
set grid ytics
set multiplot layout 1,3 title "A file copied from one process to another"
set title "copies per byte (counted)"
plot data every ::1 using 0:5:xtic(1) with boxes notitle lc rgb "#4477aa"
set title "system time, both processes (s)"
set autoscale y  # stats obeys the current yrange
stats data every ::1 using 6 nooutput
# keep 0 strictly inside, even when every value is 0 (a smoke run)
m = STATS_max > 0 ? STATS_max : 1
set yrange [-0.02 * m:1.15 * m]
plot data every ::1 using 0:6:xtic(1) with boxes notitle lc rgb "#cc6677"
set title "wall time (s)"
set autoscale y  # stats obeys the current yrange
stats data every ::1 using 8 nooutput
# keep 0 strictly inside, even when every value is 0 (a smoke run)
m = STATS_max > 0 ? STATS_max : 1
set yrange [-0.02 * m:1.15 * m]
plot data every ::1 using 0:8:xtic(1) with boxes notitle lc rgb "#228833"
unset multiplot
