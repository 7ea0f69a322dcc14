# context-speed.gp - `llmcap curves context`: decode and prefill tokens/s
# against the context depth (tokens already in the KV cache).
#
# Variables (set before this file by the generated NAME.gp):
#   datafile        context-speed.dat, columns 1 depth (tokens), 2 n_ctx, 3 decode
#                   tokens/s, 4 prefill tokens/s, 5 fits (1/0)
#   plot_title, plot_subtitle   text
#   x_lo, x_hi      the x range (the first and last value with a margin)

set title plot_title
set label 99 plot_subtitle at graph 0.5, graph 1 center offset 0,1.2 font ',10' textcolor rgb c_muted
set tmargin 5
set rmargin 11
set logscale x 2
set xrange [x_lo:x_hi]
set xlabel 'context depth: tokens in the KV cache before the test (tokens)'
set ylabel 'decode (tokens/s)' textcolor lt 1
set y2label 'prefill (tokens/s)' textcolor lt 2
set ytics nomirror textcolor lt 1
set y2tics nomirror textcolor lt 2
set yrange [0:*]
set y2range [0:*]
set offsets 0, 0, graph 0.08, 0
# the key under the x axis label: the two axes leave no free corner
set key at screen 0.5, screen 0.04 center center horizontal nobox width 1
set bmargin 6.5
# 512, 1k, ..., 128k (k = 1024 tokens)
tok(x) = x >= 1024 ? sprintf('%gk', x / 1024.0) : sprintf('%g', x)

plot datafile using 1:3:xtic(tok($1)) with linespoints linetype 1 title 'decode (tg), left axis', \
     datafile using 1:4 axes x1y2 with linespoints linetype 2 title 'prefill (pp), right axis'
