# batch.gp - `llmcap curves batch`: aggregate and per-sequence decode tokens/s
# against parallel sequences (-np).
#
# Variables (set before this file by the generated NAME.gp):
#   datafile        batch.dat, columns 1 n_seq, 2 aggregate decode tokens/s, 3 per
#                   sequence tokens/s, 4 one sequence alone, 5 memory (GiB), 6 capacity
#                   (GiB), 7 fits (1/0)
#   plot_title, plot_subtitle   text
#   x_lo, x_hi      the x range (the first and last value with a margin)

set title plot_title
set label 99 plot_subtitle at graph 0.5, graph 1 center offset 0,1.2 font ',10' textcolor rgb c_muted
set tmargin 5
set rmargin 11
set logscale x 2
set xrange [x_lo:x_hi]
set xlabel 'parallel sequences decoding together (-np)'
set ylabel 'aggregate decode (tokens/s)' textcolor lt 1
set y2label 'per-sequence decode (tokens/s)' textcolor lt 2
set ytics nomirror textcolor lt 1
set y2tics nomirror textcolor lt 2
set yrange [0:*]
set y2range [0:*]
set offsets 0, 0, graph 0.08, 0
# the key under the x axis label: the two axes leave no free corner
set key at screen 0.5, screen 0.04 center center horizontal nobox width 1
set bmargin 6.5

plot datafile using 1:2:xtic(sprintf('%d', $1)) with linespoints linetype 1 title 'all sequences (left axis)', \
     datafile using 1:3 axes x1y2 with linespoints linetype 2 title 'each sequence (right axis)', \
     datafile using 1:($7 == 0 ? $2 : NaN) with points pointtype 7 pointsize 0.55 linecolor rgb 'white' notitle, \
     datafile using 1:($7 == 0 ? $3 : NaN) axes x1y2 with points pointtype 7 pointsize 0.45 \
         linecolor rgb 'white' notitle
