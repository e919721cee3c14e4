// heatmap.h — the one colour scale of the layer view, and its legend.
//
// Activations are signed (a convolution before its ReLU) or not (after ReLU or pooling), so the
// scale is diverging around zero: 0 is black, positive values run through red and orange to pale
// yellow (like matplotlib's "inferno", readable on a projector), negative values through dark to
// bright blue. Values are normalised to t in [-1, 1] by the caller (per map or per layer); the
// legend shows what -1, 0 and +1 mean in the layer's units.
#pragma once
#include <cstdint>

#include "imgui.h"

namespace app {

// Writes the colour of t in [-1, 1] (clamped) as RGBA8 into rgba[0..3].
void heat_rgba(float t, uint8_t* rgba);
ImU32 heat_color(float t);

// A horizontal legend bar at the cursor, width x height, labelled with lo (left end), 0 and hi
// (right end). signed_scale false draws only the 0..hi half (non-negative activations).
void draw_heat_legend(float lo, float hi, bool signed_scale, float width, float height);

}  // namespace app
