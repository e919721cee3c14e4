// ui_common.h — the small things every part of the app shares: the UI's clock, a rectangle.
#pragma once
#include <chrono>

namespace app {

// Milliseconds on a steady clock: in the page, performance.now() (an event's timeStamp is on the
// same clock on the main thread).
inline double now_ms() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double, std::milli>(clock::now().time_since_epoch()).count();
}

// A rectangle in window coordinates (CSS pixels in the browser): where a button or panel was drawn,
// which the automation API reports so that tests can press the real thing.
struct Rect {
  float x = 0, y = 0, w = 0, h = 0;
};

}  // namespace app
