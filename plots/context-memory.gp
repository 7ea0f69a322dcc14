# context-memory.gp - `llmcap curves context`: memory stacked by part against
# n_ctx, with the device capacity as a line.
#
# Variables (set before this file by the generated NAME.gp):
#   datafile        context-memory.dat, columns 1 n_ctx (tokens), 2 weights, 3 KV cache,
#                   4 compute buffer, 5 output + overhead, 6 total, 7 capacity (GiB),
#                   8 fits (1/0)
#   plot_title, plot_subtitle   text
#   capacity_gib    the devices' memory, GiB (0 = not known: no line)

set title plot_title
set label 99 plot_subtitle at graph 0.5, graph 1 center offset 0,1.2 font ',10' textcolor rgb c_muted
set tmargin 5
set xlabel 'n_ctx: KV cache size (tokens)'
set ylabel 'memory (GiB = 2^30 bytes)'
set style data histograms
set style histogram rowstacked
set style fill solid 0.9 border rgb 'white'
set boxwidth 0.72
set yrange [0:*]
set key top left
set grid noxtics
tok(x) = x >= 1024 ? sprintf('%gk', x / 1024.0) : sprintf('%g', x)

plot datafile using 2:xtic(tok($1)) linecolor rgb '#4477AA' title 'weights', \
     datafile using 3 linecolor rgb '#EE6677' title 'KV cache', \
     datafile using 4 linecolor rgb '#CCBB44' title 'compute buffer', \
     datafile using 5 linecolor rgb '#BBBBBB' title 'output + overhead', \
     (capacity_gib > 0 ? capacity_gib : NaN) with lines dashtype 2 linewidth 2.5 linecolor rgb c_limit \
         title sprintf('capacity %.1f GiB', capacity_gib)
