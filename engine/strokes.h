// strokes.h — a drawing as pen strokes, and the pad's rasteriser: the one path from strokes to the
// network's 28x28 input. The page's draw pad (web/draw/draw_pad.h) keeps its ink as strokes and
// calls these functions; the CLI and the tests replay recorded pen digits (pen_digits.h) through the
// same code, so a figure measured natively is the figure of the page's pipeline.
//
// Coordinates are pad units: (0, 0) is the pad's top-left corner, (1, 1) its bottom-right.
// Between samples a stroke is a Catmull-Rom curve, so fast pen movements stay round. The pen width
// for the network follows the size of the drawing (about 13% of its larger side, as in MNIST, whose
// digits were size-normalised after writing), so a small digit is not turned into a blob when it is
// scaled up to 20x20.
#pragma once
#include <vector>

#include "preprocess.h"
#include "shape.h"

namespace dl {

struct PenPoint {
  float x = 0, y = 0;  // pad units
};
using PenStroke = std::vector<PenPoint>;  // the points of one pen-down, as sampled

// The pad samples no closer than this (pad units): closer points add nothing but cost.
constexpr float kPenMinStep = 0.003f;
// The pad's raster for the network (before MNIST-style preprocessing), pixels per side.
constexpr int kPadRaster = 280;

// The stroke's points with Catmull-Rom points in between, into *out (cleared; its capacity reused).
void smooth_stroke(const PenPoint* points, int n, std::vector<PenPoint>* out);

// The pen width the network sees, in pad units, for strokes whose larger extent is `extent`.
float network_pen_width(float extent);

// Grey ink image (side, side), row-major, in [0, 1], ink = 1 (MNIST's polarity). scratch holds the
// smoothed points (reused between calls).
void rasterise_strokes(const std::vector<PenStroke>& strokes, int side, float* out, std::vector<PenPoint>* scratch);

// Strokes to the network's input: rasterise at kPadRaster into raster (kPadRaster^2 floats), then
// preprocess_digit into input28 (784). Returns the preprocessing's info (empty when no ink).
PreprocessInfo strokes_to_input(const std::vector<PenStroke>& strokes, float* raster, float* input28,
                                std::vector<PenPoint>* scratch);

}  // namespace dl
