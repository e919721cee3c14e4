// plot.h — a small line chart drawn into a PNG, for `digitlab sweep`'s accuracy curves.
//
// White background, light grid lines at the ticks, tick labels on both axes, one coloured
// anti-aliased line with round markers per series, and a legend to the right of the plot area.
// Text uses RgbImage::text (stb_easy_font: a built-in vector font, no font file needed).
// The y axis runs from a round number below the lowest value to y_top; the x axis from 1 to the
// longest series' length (x = 1, 2, ... for the values in order, e.g. epochs).
// Not a general chart maker: no log axes, no negative numbers, nothing interactive.
#pragma once
#include <string>
#include <vector>

#include "status.h"
#include "image_io.h"

namespace digitlab {

struct PlotSeries {
  std::string label;      // legend text
  std::vector<double> y;  // (points) y[i] is the value at x = i + 1
};

struct LinePlot {
  std::string title;     // top line
  std::string subtitle;  // second line, smaller (may be empty)
  std::string x_label;   // under the x axis
  std::string y_label;   // above the y axis
  double y_top = 100;    // the top of the y axis (e.g. 100 for percentages)
  int width = 900, height = 560;
  std::vector<PlotSeries> series;
};

// The colour of series i (a ten-colour palette, repeated), as 0xRRGGBB.
unsigned plot_color(int i);

// Draws the chart. Series without points are listed in the legend only.
RgbImage draw_line_plot(const LinePlot& plot);
dl::Status write_line_plot(const std::string& path, const LinePlot& plot);

}  // namespace digitlab
