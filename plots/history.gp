# history.gp - `llmcap runs report`: measured tokens/s of each series (one
# model, quant, hardware, backend and test) over the date of its runs, with
# the stddev of each run as an error bar.
#
# Variables (set before this file by the generated NAME.gp):
#   datafile        history-N.dat: one block per series (index 0, 1, ...), columns
#                   1 date (seconds since 1970-01-01 UTC), 2 tokens/s, 3 stddev
#                   (tokens/s, 0 = unknown), 4 build, 5 date as written, 6 run id
#   plot_title, plot_subtitle   text
#   n_series, series[i]         the series (the key)
#   x_lo, x_hi                  the date range, seconds (a day either side of one date)
#   x_fmt                       the date format of the tics ('%Y-%m-%d', or with the time for short ranges)

set title plot_title
set label 99 plot_subtitle at graph 0.5, graph 1 center offset 0,1.2 font ',10' textcolor rgb c_muted
set tmargin 5
set xdata time
set timefmt '%s'
set format x x_fmt
set xrange [x_lo:x_hi]
set xtics rotate by -30
set xlabel 'date of the run (UTC)'
set ylabel 'tokens/s'
set yrange [0:*]
# the series under the plot, one per line (their names are long)
set key below left vertical maxcols 1 samplen 2 noopaque nobox

plot for [i=1:n_series] datafile index (i-1) using 1:2:3 with yerrorlines linetype i pointsize 0.8 title series[i]
