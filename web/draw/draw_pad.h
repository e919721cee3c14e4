// draw_pad.h — the drawing pad: an ImGui InvisibleButton with the ink drawn by ImDrawList.
//
// Strokes are kept as point lists in pad units ((0,0) top-left, (1,1) bottom-right) so undo is a
// pop and the pad can change size without losing the drawing. Two renderings of the same strokes,
// both smoothed by the engine's Catmull-Rom (strokes.h):
//   - on screen: white ink, pen width a fixed fraction of the pad;
//   - for the network, Rasterise(): the engine's rasteriser (dl::rasterise_strokes), whose pen width
//     follows the size of the drawing, the same code the CLI replays recorded pen digits through.
#pragma once
#include <vector>

#include "imgui.h"
#include "strokes.h"

namespace app {

struct PointerEvent;

class DrawPad {
 public:
  DrawPad();

  // Draws the pad at the cursor as a side x side square and turns this frame's pointer events
  // into ink. `accept_input` is false while a popup covers the pad.
  void Draw(const std::vector<PointerEvent>& events, float side, bool accept_input);

  void Clear();
  void Undo();
  bool Empty() const { return strokes_.empty(); }
  bool Drawing() const { return drawing_; }
  int StrokeCount() const { return static_cast<int>(strokes_.size()); }
  int Version() const { return version_; }  // bumps whenever the ink changes
  ImVec2 RectMin() const { return rect_min_; }
  float Side() const { return side_; }

  // Grey ink image (side, side), row-major, in [0, 1], ink = 1 (MNIST's polarity).
  void Rasterise(float* out, int side);
  const std::vector<dl::PenStroke>& Strokes() const { return strokes_; }

 private:
  void AddPoint(dl::PenPoint p);

  std::vector<dl::PenStroke> strokes_;  // pad units, as sampled
  std::vector<dl::PenPoint> smooth_;    // scratch: a smoothed stroke
  std::vector<ImVec2> screen_;          // scratch: the same on screen
  bool drawing_ = false;
  int version_ = 0;
  ImVec2 rect_min_ = ImVec2(0, 0);
  float side_ = 0;
};

}  // namespace app
