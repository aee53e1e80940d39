# Rendered by iorec; re-run with: gnuplot regret_vs_runs.gp
if (!exists("out")) out = 'regret_vs_runs.png'
set terminal pngcairo noenhanced size 900,540 font 'sans,11'
set output out
set title 'true regret of the best observed config vs runs per workload (mean over seeds)'
set xlabel 'runs per workload'
set ylabel 'regret (fraction of optimum)'
set grid
set key outside right top
set datafile missing 'NaN'
set yrange [0:*]
plot 'regret_vs_runs.dat' using 1:2 with linespoints lw 2 pt 7 title 'iorec', \
     'regret_vs_runs.dat' using 1:3 with linespoints lw 2 pt 7 title 'random', \
     'regret_vs_runs.dat' using 1:4 with linespoints lw 2 pt 7 title 'warm_only', \
     'regret_vs_runs.dat' using 1:5 with linespoints lw 2 pt 7 title 'iorec (deployed top-1)'
