// mine_api.h — the browser side of My digits and Teach it (mine_api_web.cpp): window.digitlab.mine,
// the digits kept in IndexedDB, their export and import as the MNIST IDX pair.
#pragma once
#include <cstddef>
#include <cstdint>

namespace app {
struct State;
// From platform::start, after the automation API is installed: adds api.mine, and restores the digits
// the page read from IndexedDB (bytes may be empty: none kept).
void install_mine_api(State* s, const uint8_t* stored, size_t size);
// After every frame (platform::frame_presented): the digits to storage when they changed, an export
// or the import picker when asked for.
void mine_frame_presented(State& s);
}  // namespace app
