# validation.gp - `llmcap curves validation`: predicted against measured
# tokens/s on log-log axes, with y = x and the +-10% and +-25% bands; points
# coloured by backend, shaped by test (prefill, decode, pp+tg).
#
# Variables (set before this file by the generated NAME.gp):
#   datafile        validation.dat: one block per backend (index 0, 1, ...), columns
#                   1 measured tokens/s, 2 predicted tokens/s, 3 error %, 4 class
#                   (0 prefill, 1 decode, 2 pp+tg), 5 test, 6 hardware, 7 model,
#                   8 quant, 9 backend, 10 source file:line
#   plot_title, plot_subtitle   text
#   n_series, series[i]         backends (the key)
#   axis_lo, axis_hi            range of both axes, tokens/s
#   n_prefill, n_decode, n_pptg runs of each test (a test without runs has no key entry)

set title plot_title
set label 99 plot_subtitle at graph 0.5, graph 1 center offset 0,1.2 font ',10' textcolor rgb c_muted
set tmargin 5
set size ratio -1
set logscale xy 10
set xrange [axis_lo:axis_hi]
set yrange [axis_lo:axis_hi]
set format x '%g'
set format y '%g'
set xlabel 'measured (tokens/s)'
set ylabel 'predicted by llmcap (tokens/s)'
# the key in the top-left corner: over-predictions that large are rare
set key inside top left vertical opaque box samplen 1.5
set samples 2
# point shape by test: prefill square, decode circle, pp+tg triangle
shape(c) = c == 0 ? 5 : c == 1 ? 7 : 9

plot '+' using 1:($1 * 0.75):($1 * 1.25) with filledcurves fillcolor rgb '#ebebeb' title '±25%', \
     '+' using 1:($1 * 0.9):($1 * 1.1) with filledcurves fillcolor rgb '#c9d9ec' title '±10%', \
     x with lines linecolor rgb '#555555' linewidth 1.2 dashtype 2 title 'y = x', \
     for [i=1:n_series] datafile index (i-1) using 1:2:(shape($4)) with points linetype i \
         pointtype variable pointsize 0.9 notitle, \
     for [i=1:n_series] NaN with points linetype i pointtype 7 title series[i], \
     NaN with points pointtype 5 linecolor rgb c_muted title (n_prefill > 0 ? 'prefill (pp)' : ''), \
     NaN with points pointtype 7 linecolor rgb c_muted title (n_decode > 0 ? 'decode (tg)' : ''), \
     NaN with points pointtype 9 linecolor rgb c_muted title (n_pptg > 0 ? 'pp+tg' : '')
