# style.gp - the look shared by every llmcap plot: terminal, size, font, grid,
# key and the line colours. `llmcap curves` copies it into each NAME.gp it
# writes, between the plot's variables and its template (plots/NAME.gp).
# Edit it here (and rebuild) to restyle every plot, or edit a written NAME.gp
# to restyle one.
#
# Variables it reads: fmt ('png' or 'svg'), outfile (the image to write).

if (fmt eq 'svg') {
    set terminal svg size 1000,600 dynamic font 'DejaVu Sans,13' background rgb 'white'
} else {
    set terminal pngcairo size 1000,600 font 'DejaVu Sans,11' background rgb 'white' linewidth 1
}
set output outfile
set encoding utf8
# names such as Q4_K_M are printed as written (no subscripts)
set termoption noenhanced

set border 3 linecolor rgb '#555555'
set tics nomirror out scale 0.6
set grid xtics ytics mxtics mytics linecolor rgb '#e4e4e4' linewidth 1 dashtype 1, linecolor rgb '#f2f2f2' linewidth 1
set key top right opaque box linecolor rgb '#cccccc' samplen 2.5 spacing 1.2
set title font ',14' offset 0,0.6
set lmargin 11
set rmargin 4

# line colours (colour-blind-safe palette of Paul Tol, "bright" and "muted")
set linetype 1 linecolor rgb '#4477AA' linewidth 2.2 pointtype 7 pointsize 1.1
set linetype 2 linecolor rgb '#EE6677' linewidth 2.2 pointtype 5 pointsize 1.0
set linetype 3 linecolor rgb '#228833' linewidth 2.2 pointtype 9 pointsize 1.2
set linetype 4 linecolor rgb '#CCBB44' linewidth 2.2 pointtype 11 pointsize 1.2
set linetype 5 linecolor rgb '#66CCEE' linewidth 2.2 pointtype 13 pointsize 1.2
set linetype 6 linecolor rgb '#AA3377' linewidth 2.2 pointtype 7 pointsize 1.1
set linetype 7 linecolor rgb '#BBBBBB' linewidth 2.2 pointtype 5 pointsize 1.0
set linetype 8 linecolor rgb '#332288' linewidth 2.2 pointtype 9 pointsize 1.2
set linetype cycle 8

# colours with a meaning, used by several templates
c_fits = '#228833'
c_nofit = '#CC3311'
c_limit = '#CC3311'
c_muted = '#888888'
