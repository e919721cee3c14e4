// compare_panel.h — the influence of hidden layers, measured in the page: the presets of the family
// (0 to 3 hidden layers; R2 on request, it is slow in a browser) trained one after the other under
// the same budget (the Train view's subset, epochs, seed and recipe), their validation accuracy
// curves overlaid, and a table: hidden layers, parameters, FLOPs per image, time, test accuracy.
// The queue is driven by training_app.cpp; this file holds the results and draws them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "training_session.h"

namespace app {

struct CompareEntry {
  std::string preset;
  int hidden_layers = 0;
  int64_t params = 0;
  int64_t flops = 0;         // per image, forward (2 x multiply-accumulates)
  double seconds = 0;        // of training
  float test_accuracy = -1;  // on the 10,000 test images
  std::vector<ValPoint> validation;
};

struct Compare {
  bool running = false;
  bool include_slow = false;       // R2 too
  std::vector<std::string> queue;  // presets still to train, in order
  std::vector<CompareEntry> done;
  TrainOptions base;    // the shared budget
  std::string current;  // the preset training now ("" = none)

  void Draw(float width, float height) const;
};

}  // namespace app
