// plot.h — a small line chart drawn with ImDrawList: several series over a shared x range, axis
// labels at the ends, a legend. For the training curves (loss, accuracies) and the compare view.
// The points are read in place from the caller's structs through a stride: nothing is copied.
#pragma once
#include "imgui.h"

namespace app {

struct PlotSeries {
  const float* x = nullptr;  // first x value; the next is `stride` bytes further
  const float* y = nullptr;  // first y value, same stride
  int count = 0;
  int stride = sizeof(float);
  ImU32 color = 0xffffffff;
  const char* label = "";
};

struct PlotAxes {
  float x_min = 0, x_max = 1;
  float y_min = 0, y_max = 1;
  bool y_log = false;        // logarithmic y (y_min must be > 0)
  const char* x_label = "";  // e.g. "epoch"
  const char* y_format = "%.2f";
};

// Draws the chart at the cursor, `size` in window units, and advances the cursor past it.
void LinePlot(const char* title, ImVec2 size, const PlotAxes& axes, const PlotSeries* series, int count);

}  // namespace app
