# validation-error.gp - `llmcap curves validation`: histogram of the
# prediction error (predicted - measured) / measured, %, stacked by test.
#
# Variables (set before this file by the generated NAME.gp):
#   datafile        validation-error.dat, columns 1 bin start %, 2 bin end %, 3 bin
#                   middle %, 4 prefill runs, 5 decode runs, 6 pp+tg runs
#   plot_title, plot_subtitle   text
#   bin_width, hist_lo, hist_hi the bins, % (the end bins also hold what lies beyond)
#   n_prefill, n_decode, n_pptg runs of each test (a test without runs has no key entry)

set title plot_title
set label 99 plot_subtitle at graph 0.5, graph 1 center offset 0,1.2 font ',10' textcolor rgb c_muted
set tmargin 5
set xlabel sprintf('error of the prediction (%%; bins of %g%%, the end bins include everything beyond)', bin_width)
set ylabel 'runs'
set xrange [hist_lo:hist_hi]
set yrange [0:*]
set xtics 20
set style fill solid 0.9 border rgb 'white'
set boxwidth bin_width * 0.92
set key top right
set arrow 1 from 0, graph 0 to 0, graph 1 nohead linecolor rgb '#555555' dashtype 2
# the +-25% and +-10% bands, as on the scatter plot
set object 1 rectangle from -25, graph 0 to 25, graph 1 behind fillcolor rgb '#ebebeb' fillstyle solid 1.0 noborder
set object 2 rectangle from -10, graph 0 to 10, graph 1 behind fillcolor rgb '#c9d9ec' fillstyle solid 1.0 noborder

# stacked: prefill at the bottom, decode on it, pp+tg on top
plot datafile using 3:($4 + $5 + $6) with boxes linecolor rgb '#CCBB44' title (n_pptg > 0 ? 'pp+tg' : ''), \
     datafile using 3:($4 + $5) with boxes linetype 1 title (n_decode > 0 ? 'decode (tg)' : ''), \
     datafile using 3:4 with boxes linetype 2 title (n_prefill > 0 ? 'prefill (pp)' : '')
