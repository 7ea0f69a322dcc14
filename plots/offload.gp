# offload.gp - `llmcap curves offload`: decode tokens/s against n_gpu_layers
# (-ngl), with the VRAM limit marked: the curve for picking -ngl.
#
# Variables (set before this file by the generated NAME.gp):
#   datafile        offload.dat, columns 1 n_gpu_layers, 2 decode tokens/s, 3 prefill
#                   tokens/s, 4 GPU memory (GiB), 5 GPU capacity (GiB), 6 host memory
#                   (GiB), 7 fits (1/0)
#   plot_title, plot_subtitle   text
#   max_ngl         most layers that fit (llmcap fit), -1 = none
#   ngl_all         n_layer + 1 (every layer and the output layer)
#   capacity_gib    the GPUs' memory, GiB

set title plot_title
set label 99 plot_subtitle at graph 0.5, graph 1 center offset 0,1.2 font ',10' textcolor rgb c_muted
set tmargin 5
set rmargin 11
set xlabel 'n_gpu_layers (-ngl): layers on the GPU, the output layer first'
set ylabel 'decode (tokens/s)' textcolor lt 1
set y2label 'GPU memory (GiB = 2^30 bytes)' textcolor rgb c_muted
set ytics nomirror textcolor lt 1
set y2tics nomirror textcolor rgb c_muted
set yrange [0:*]
set y2range [0:*]
set xrange [-0.5:ngl_all + 0.5]
# the key under the x axis label: the two axes leave no free corner
set key at screen 0.5, screen 0.04 center center horizontal nobox width 1
set bmargin 6.5

# the layers past the limit are shaded; the limit is a dashed line, labelled on its
# right (the GPU memory line crosses the capacity at the limit, below the label)
if (max_ngl < ngl_all) {
    set object 1 rectangle from first max_ngl + 0.5, graph 0 to graph 1, graph 1 behind \
        fillcolor rgb '#fbe4e1' fillstyle solid 1.0 noborder
    set arrow 1 from first max_ngl + 0.5, graph 0 to first max_ngl + 0.5, graph 1 nohead \
        linecolor rgb c_limit linewidth 2 dashtype 2
    set label 1 (max_ngl >= 0 ? sprintf('VRAM limit: -ngl %d fits', max_ngl) : 'VRAM limit: nothing fits') \
        at first max_ngl + 0.5, graph 0.78 center rotate by 90 offset 1.2, 0 textcolor rgb c_limit font ',11' front
} else {
    set label 1 sprintf('every layer fits (-ngl %d)', ngl_all) at graph 0.98, graph 0.55 right textcolor rgb c_fits
}

plot datafile using 1:2 with linespoints linetype 1 pointsize 0.8 title 'decode tokens/s (left axis)', \
     datafile using 1:4 axes x1y2 with lines linetype 7 title 'GPU memory (right axis)', \
     capacity_gib axes x1y2 with lines dashtype 3 linewidth 2 linecolor rgb c_muted \
         title sprintf('VRAM %.1f GiB', capacity_gib)
