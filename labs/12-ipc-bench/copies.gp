# copies.gp: one file moved from a reader process to a writer process along
# each path of ipc_copies: the bytes the two processes moved, counted from
# outside the program (the kernel's rchar/wchar of both processes, and
# every call's bytes under strace), in MiB and in copies of the file; under
# each path, the seconds it took.
#
# Usage: gnuplot -e "datadir='build/bench'; outdir='build/plots'; fmt='svg'" copies.gp
#   (the same variables as throughput.gp; reads copies.csv, written by
#   scripts/count-copies; writes copies.svg/.png)
if (!exists("datadir")) datadir = "build/bench"
if (!exists("outdir")) outdir = "build/plots"
if (!exists("fmt")) fmt = "svg"
if (!exists("pngterm")) pngterm = "png"
if (!exists("subtitle")) subtitle = ""
if (fmt eq "svg") {
    set terminal svg size 1000,560 dynamic noenhanced font "sans,14" background "white"
} else {
    eval "set terminal ".pngterm." size 1000,560 noenhanced font 'sans,11' background 'white'"
}
# Text sizes: px in SVG; the PNG terminal takes points (11 pt = 14 px here).
f14 = fmt eq "svg" ? ",14" : ",11"
f17 = fmt eq "svg" ? ",17" : ",13.4"
set output outdir."/copies.".fmt

data = datadir."/copies.csv"
set datafile separator ","
set datafile missing ""
stats data skip 1 using 2 nooutput
mib = STATS_max / 1048576.0
size = mib >= 1 ? sprintf("%.0f MiB", mib) : sprintf("%.0f KiB", mib * 1024)
stats data skip 1 using (($3 + $4) / 1048576.0) nooutput
top = STATS_max
stats data skip 1 using ($6 / 1048576.0) nooutput
if (STATS_records > 0 && STATS_max > top) top = STATS_max
top = top * 1.18

set label 3 "One ".size." file moved from a reader process to a writer process, counted from outside the program" \
    at screen 0.5, screen 0.955 center font f17
if (subtitle ne "") set label 2 subtitle at screen 0.5, screen 0.905 center font f14
set style fill solid 0.85 border -1
set boxwidth 0.36
set xrange [-0.6:4.6]
set xtics scale 0 nomirror
set grid ytics
set tmargin 5.5
set bmargin 6.5
set lmargin 10
set rmargin 10
set ylabel "MiB moved by the two processes"
set yrange [0:top]
set y2range [0:top / mib]
set y2tics 1 nomirror
set ytics nomirror
set y2label "copies of the file"
set key at graph 0.5, graph -0.2 center top horizontal maxcols 2 samplen 2
# Under each path: the seconds it took (under strace when strace ran).
path(p, t) = sprintf("%s\n%.2g s", p, t)
plot data skip 1 using 0:(NaN):xtic(path(strcol(1), $8)) notitle, \
     "" skip 1 using ($0 - 0.19):(($3 + $4) / 1048576.0) with boxes lc rgb "#4477aa" \
         title "read()/write() bytes (rchar+wchar of both)", \
     "" skip 1 using ($0 + 0.19):($6 / 1048576.0) with boxes lc rgb "#ee6677" \
         title "every call's bytes (strace)", \
     "" skip 1 using ($0 - 0.19):(($3 + $4) / 1048576.0):(sprintf("%.2f", $5)) with labels offset 0,0.8 notitle, \
     "" skip 1 using ($0 + 0.19):($6 / 1048576.0):(sprintf("%.2f", $7)) with labels offset 0,0.8 notitle
