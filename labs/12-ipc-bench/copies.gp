# copies.gp: one file moved from a reader process to a writer process along
# each path of ipc_copies: copies per byte counted from outside the program
# (the kernel's rchar/wchar of both processes, and every call's bytes under
# strace), and the seconds it took.
#
# Usage: gnuplot -e "datadir='build/bench'; outdir='build/plots'; fmt='svg'" copies.gp
#   (the same variables as throughput.gp; reads copies.csv, written by
#   scripts/count-copies; writes copies.svg/.png)
if (!exists("datadir")) datadir = "build/bench"
if (!exists("outdir")) outdir = "build/plots"
if (!exists("fmt")) fmt = "svg"
if (!exists("pngterm")) pngterm = "png"
if (fmt eq "svg") {
    set terminal svg size 1000,450 dynamic enhanced font "sans,11" background "white"
} else {
    eval "set terminal ".pngterm." size 1000,450"
}
set output outdir."/copies.".fmt

data = datadir."/copies.csv"
set datafile separator ","
set datafile missing ""
set style fill solid 0.8 border -1
set style data histograms
set style histogram clustered gap 1
set yrange [0:*]
set xtics scale 0 font ",9"
set grid ytics
set key top left font ",9"
set multiplot layout 1,2 title "A file moved from one process to another"
set title "copies per byte, counted from outside"
set yrange [0:5]
plot data every ::1 using 5:xtic(1) title "read()/write() bytes (rchar+wchar)" lc rgb "#4477aa", \
     "" every ::1 using 7 title "every call's bytes (strace)" lc rgb "#ee6677"
set title "seconds (under strace when it ran)"
set autoscale y
set yrange [0:*]
plot data every ::1 using 8:xtic(1) notitle lc rgb "#228833"
unset multiplot
