# hardware.gp - `llmcap curves hardware`: decode tokens/s (bars, coloured by
# whether the model fits) and prefill tokens/s (points) across hardware.
#
# Variables (set before this file by the generated NAME.gp):
#   datafile        hardware.dat, columns 1 id, 2 name, 3 decode tokens/s, 4 prefill
#                   tokens/s, 5 memory (GiB), 6 capacity (GiB), 7 fits (1/0),
#                   8 bandwidth (GB/s), 9 what limits decode
#   plot_title, plot_subtitle   text
#   n_devices       rows

set title plot_title
set label 99 plot_subtitle at graph 0.5, graph 1 center offset 0,1.2 font ',10' textcolor rgb c_muted
set tmargin 5
set rmargin 11
set bmargin 9.5
set style fill solid 0.9 border rgb 'white'
set boxwidth 0.7
set xrange [-0.6:n_devices - 0.4]
set yrange [0:*]
set y2range [0:*]
set offsets 0, 0, graph 0.1, 0
set xtics rotate by 30 right nomirror font ',10'
set ylabel 'decode (tokens/s)'
set y2label 'prefill (tokens/s)'
set ytics nomirror
set y2tics nomirror
set grid noxtics
# the key under the device names: bars may fill any corner
set key at screen 0.5, screen 0.035 center center horizontal nobox width 1
rgb_fits = 0x228833
rgb_nofit = 0xCC3311

plot datafile using 0:3:($7 != 0 ? rgb_fits : rgb_nofit):xtic(sprintf("%s\n%.0f GB/s", stringcolumn(1), $8)) \
         with boxes linecolor rgb variable notitle, \
     NaN with boxes linecolor rgb '#228833' title 'decode, fits', \
     NaN with boxes linecolor rgb '#CC3311' title 'decode, does not fit', \
     datafile using 0:3:(sprintf('%.0f', $3)) with labels offset 0,0.7 font ',9' notitle, \
     datafile using 0:4 axes x1y2 with points pointtype 9 pointsize 1.6 linecolor rgb '#332288' \
         title 'prefill (right axis)'
