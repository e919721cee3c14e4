// prediction_panel.h — the network's answer: the top digit large (or a "?" when the network is not
// sure, see kNotSureThreshold), a line saying how sure it is, and the ten probabilities as bars —
// one row per digit on desktop, ten columns on a phone.
#pragma once
#include "imgui.h"

namespace app {

struct Prediction;
struct ModelSlot;
struct Fonts;

class PredictionPanel {
 public:
  // The big digit in a square box of the given side, with the status line under it when
  // status_below, else to its right.
  void DrawAnswer(const Prediction& p, const ModelSlot& m, const Fonts& f, float box);
  void DrawStatus(const Prediction& p, const ModelSlot& m, float width);
  // Ten probability bars filling `width`; columns=true draws them as a compact column chart.
  void DrawBars(const Prediction& p, float width, bool columns);
};

}  // namespace app
