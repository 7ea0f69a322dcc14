# bits.gp - `llmcap curves bits`: decode tokens/s against bits per weight,
# one line per hardware, the quant names on the points.
#
# Variables (set before this file by the generated NAME.gp):
#   datafile        bits.dat: one block per hardware (index 0, 1, ...), columns
#                   1 quant, 2 bits per weight, 3 decode tokens/s, 4 prefill tokens/s,
#                   5 total GiB, 6 fits (1/0), 7 hardware id
#   plot_title, plot_subtitle   text
#   n_series, series[i]         number of blocks and their names (the key)

set title plot_title
set label 99 plot_subtitle at graph 0.5, graph 1 center offset 0,1.2 font ',10' textcolor rgb c_muted
set tmargin 5
set xlabel 'weights: bits per weight (bits)'
set ylabel 'decode speed (tokens/s)'
set yrange [0:*]
set offsets graph 0.03, graph 0.03, graph 0.12, 0
set key top right

# The quant names go on the points of the first line (every line has the same x
# values); every second name sits a little higher, so that neighbours such as
# Q5_K_S and Q5_K_M do not overlap. A white dot inside a point: it does not fit.
plot for [i=1:n_series] datafile index (i-1) using 2:3 with linespoints linetype i title series[i], \
     for [i=1:n_series] datafile index (i-1) using 2:($6 == 0 ? $3 : NaN) with points pointtype 7 \
         pointsize 0.55 linecolor rgb 'white' notitle, \
     datafile index 0 every 2 using 2:3:1 with labels rotate by 65 left offset 0.3,0.7 font ',9' \
         textcolor rgb '#333333' notitle, \
     datafile index 0 every 2::1 using 2:3:1 with labels rotate by 65 left offset 0.3,1.9 font ',9' \
         textcolor rgb '#333333' notitle
