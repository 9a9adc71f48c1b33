# Bar chart of Keel's and Xen's cost relative to Linux directly on QEMU, one
# group per metric, written by bench/run.py:
#   gnuplot -e "datafile='F.dat'; outfile='F.png'; charttitle='...'" bench/plot.gp
# F.dat: "# comment" then "metric keel/native keel+nb/native xen/native" per
# line; NaN when a system was not measured. 1.0 is native speed; above it is slower.
if (!exists("datafile")) datafile = 'build/bench/results-plot.dat'
if (!exists("outfile")) outfile = 'build/bench/results.png'
if (!exists("charttitle")) charttitle = 'Relative to native (>1 is slower)'

set terminal pngcairo size 1200,600 font ",10"
set output outfile
set title charttitle
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set datafile missing "NaN"
set ylabel "system / native (>1 is slower)"
set yrange [0:*]
set grid ytics
set xtics rotate by -30 noenhanced
set key top left
set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 linecolor rgb "#555555"
plot datafile using 2:xtic(1) title "keel/native (matched machine)" linecolor rgb "#1f77b4", \
     '' using 3 title "keel+nb/native (ticker VM beside it, 4 CPUs)" linecolor rgb "#9ecae1", \
     '' using 4 title "xen/native" linecolor rgb "#d62728"
