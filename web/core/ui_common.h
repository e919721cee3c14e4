// ui_common.h — the small things every part of the app shares: the UI's clock.
#pragma once
#include <chrono>

namespace app {

// Milliseconds on a steady clock: in the page, performance.now() (an event's timeStamp is on the
// same clock on the main thread).
inline double now_ms() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double, std::milli>(clock::now().time_since_epoch()).count();
}

}  // namespace app
