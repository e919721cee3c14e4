// draw_pad.h — the drawing pad: an ImGui InvisibleButton with the ink drawn by ImDrawList.
//
// Strokes are kept as point lists in pad units ((0,0) top-left, (1,1) bottom-right) so undo is a
// pop and the pad can change size without losing the drawing. Between input samples the stroke is
// a Catmull-Rom curve, so fast pen movements stay round. Two renderings of the same strokes:
//   - on screen: white ink, pen width a fixed fraction of the pad;
//   - for the network, Rasterise(): a grey float image whose pen width follows the size of the
//     drawing (about 13% of its larger side, as in MNIST, whose digits were size-normalised after
//     writing), so a small digit is not turned into a blob when it is scaled up to 20x20.
#pragma once
#include <vector>

#include "imgui.h"

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

 private:
  struct Stroke {
    std::vector<ImVec2> points;  // pad units, as sampled
  };
  void AddPoint(ImVec2 p);
  // The stroke's points with Catmull-Rom points in between, into smooth_ (reused).
  void Smooth(const Stroke& s);

  std::vector<Stroke> strokes_;
  std::vector<ImVec2> smooth_;  // scratch for Smooth()
  bool drawing_ = false;
  int version_ = 0;
  ImVec2 rect_min_ = ImVec2(0, 0);
  float side_ = 0;
};

}  // namespace app
