# throughput.gp: IPC throughput against message size (log-log), one line per
# series, with single-process memcpy as the reference line.
#
# Usage: gnuplot -e "datadir='build/bench'; outdir='build/plots'; fmt='svg'" throughput.gp
#   datadir   where scripts/bench-summary wrote throughput-median.csv (the
#             medians over the repetitions) beside ipc_bench's memcpy.csv
#   outdir    where throughput.svg (or .png) goes
#   fmt       svg or png; pngterm names the PNG terminal (png or pngcairo)
#   subtitle  the run and the machine (scripts/plots reads build/bench/run.tsv)
#   ringkib   the KiB of slots a ring has for small messages (ring.h:
#             RING_BYTES_WANTED; at least 4 slots, so larger messages get
#             4 messages' worth), and
#   caches    the machine's cache sizes: both for the memcpy note
# scripts/plots runs this for both formats. Every series has its own colour,
# dash pattern and point, chosen by its name (the same on every machine);
# all text is 14 px or more at the plot's natural size (1000 x 900).
if (!exists("datadir")) datadir = "build/bench"
if (!exists("outdir")) outdir = "build/plots"
if (!exists("fmt")) fmt = "svg"
if (!exists("pngterm")) pngterm = "png"
if (!exists("subtitle")) subtitle = ""
if (!exists("ringkib")) ringkib = 0
if (!exists("caches")) caches = ""
if (fmt eq "svg") {
    set terminal svg size 1000,900 dynamic noenhanced font "sans,14" background "white"
} else {
    eval "set terminal ".pngterm." size 1000,900 noenhanced font 'sans,11' background 'white'"
}
# Text sizes: px in SVG; the PNG terminal takes points (11 pt = 14 px here).
f14 = fmt eq "svg" ? ",14" : ",11"
f17 = fmt eq "svg" ? ",17" : ",13.4"
set output outdir."/throughput.".fmt

data = datadir."/throughput-median.csv"
set datafile separator ","
# The reference: one process copying a buffer larger than the caches.
stats datadir."/memcpy.csv" using ($3 == 1 ? $4 : NaN) nooutput
memcpy = STATS_median
stats datadir."/memcpy.csv" using ($3 == 1 ? $2 : NaN) nooutput
memcpy_mib = STATS_max / 1048576

# Every series of the file, in its order (one CPU: the same-cpu ones only).
series = system("awk -F, 'NR > 1 && !seen[$1]++ { printf \"%s \", $1 }' '".data."'")
# The message sizes at which some shared-memory ring beats memcpy (medians),
# as ranges of neighbouring sizes of the data: "4 KiB-64 KiB, 256 KiB".
above_awk = 'NR > 1 && $1 ~ /^ring-/ && $1 !~ /msync/ { z[$6] = 1; if ($9 > m) up[$6] = 1 } ' . \
    'function nm(b) { return b >= 1048576 ? b / 1048576 " MiB" : b >= 1024 ? b / 1024 " KiB" : b " B" } ' . \
    'END { for (s in z) v[++n] = s + 0; ' . \
    'for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t } ' . \
    'for (i = 1; i <= n; i++) { if (!(v[i] in up)) continue; for (j = i; j < n && (v[j + 1] in up); j++) ; ' . \
    'out = out (out == "" ? "" : ", ") (j > i ? nm(v[i]) "-" nm(v[j]) : nm(v[i])); i = j } printf "%s", out }'
above = system(sprintf("awk -F, -v m=%.3f '%s' '%s'", memcpy, above_awk, data))

# One style per series name: colour, dash pattern, point type.
names = "pipe/same-cpu pipe/cross-cpu fifo/cross-cpu unix-socket/cross-cpu posix-mq/cross-cpu sysv-msg/cross-cpu ring-posix-shm/spin/cross-cpu ring-posix-shm/spin/same-cpu ring-disk-file/spin/cross-cpu ring-devshm-file/spin/cross-cpu ring-sysv-shm/spin/cross-cpu ring-anon/spin/cross-cpu ring-disk-msync/spin/cross-cpu"
array colour[14] = ["#332288", "#1f9fd5", "#44aa99", "#117733", "#8c8c1f", "#b8860b", "#cc3311", "#882255", "#aa4499", "#ee7733", "#0077bb", "#ee3377", "#555555", "#000000"]
idx(s) = sum [i = 1:words(names)] (word(names, i) eq s ? i : 0)
style(s) = idx(s) > 0 ? idx(s) : 14
do for [i = 1:14] {
    set linetype i lc rgb colour[i] lw 2.5 pt i ps 1.3
}
set linetype 1 dt (40,6)
set linetype 2 dt (12,6)
set linetype 3 dt (3,5)
set linetype 4 dt (12,5,3,5)
set linetype 5 dt (12,4,3,4,3,4)
set linetype 6 dt (24,8)
set linetype 7 dt (24,5,6,5)
set linetype 8 dt (6,6)
set linetype 9 dt (2,9)
set linetype 10 dt (24,4,3,4,3,4)
set linetype 11 dt (16,4,16,4,3,4)
set linetype 12 dt (8,3,2,3)
set linetype 13 dt (30,5)
set linetype 14 dt solid  # memcpy (not a series) is the one solid line

# The layout, in pixels from the top: title, subtitle, the memcpy note, the
# graph, the x label, the key (five rows).
H = 900.0
set label 3 "Throughput between two processes, median of the repetitions (every message verified)" \
    at screen 0.5, screen 1 - 26 / H center font f17
if (subtitle ne "") set label 2 subtitle at screen 0.5, screen 1 - 54 / H center font f14
# What the thick line is, and why rings can pass it (the caches; ring.h).
slots = ringkib > 0 ? sprintf(" (%.0f KiB for messages up to %.0f KiB, 4 messages' worth above)", ringkib, ringkib / 4) : ""
set label 1 sprintf("The thick line: memcpy in one process of a %.0f MiB buffer, larger than the caches", memcpy_mib) . \
    (caches eq "" ? "." : " (".caches.").") . \
    "\nA ring's slots" . slots . " fit in the caches, and its two copies" . \
    "\nof a byte run at once on two CPUs: " . \
    (above eq "" ? "no ring passes the line in this run." : "rings pass the line at ".above." in this run.") \
    at screen 0.02, screen 1 - 88 / H left font f14
set tmargin at screen 1 - 165 / H
set bmargin 10
set lmargin 9
set rmargin 4
set logscale x 2
set logscale y 10
set xtics ("64 B" 64, "256 B" 256, "1 KiB" 1024, "4 KiB" 4096, "16 KiB" 16384, \
           "64 KiB" 65536, "256 KiB" 262144, "1 MiB" 1048576)
set xlabel "message size"
set ylabel "MB/s (millions of bytes per second, log scale)"
set format y "%.0f"
set grid
set key outside below center horizontal maxcols 3 width (fmt eq "svg" ? -9 : -6) samplen (fmt eq "svg" ? 3 : 2) spacing 1.1 Left reverse
note = sprintf("memcpy, one process: %.0f MB/s", memcpy)
plot for [s in series] data using (strcol(1) eq s ? $6 : NaN):(strcol(1) eq s ? $9 : NaN) \
         with linespoints lt style(s) title s, \
     memcpy with lines lw 4 lc rgb "black" dt solid title note
