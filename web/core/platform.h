// platform.h — the few things the browser and the desktop do differently, behind one interface.
// CMake compiles exactly one implementation: platform_web.cpp (Emscripten: the page's loader,
// the file picker, the window.digitlab automation API) or platform_native.cpp (files on disk).
// This keeps `#ifdef __EMSCRIPTEN__` out of the app; main.cpp's main loop is the one exception.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace app {
struct State;
}

namespace platform {

struct Assets {
  std::vector<uint8_t> font;   // a TrueType file, or empty (ImGui's built-in font is used)
  std::vector<uint8_t> model;  // the default model file, or empty (the page says none is loaded)
  std::string model_name;
  std::string problem;  // why the default model is missing, if it is
};

// Browser: the bytes the page's loader fetched (with its progress bar) before starting the program.
// Desktop: --model PATH, else the default model and font next to the program or in the source tree.
void load_assets(int argc, char** argv, Assets* out);

// Before SDL_CreateWindow: the GL context to ask for. glsl_version() is for the ImGui GL3 backend.
void set_gl_attributes();
const char* glsl_version();

bool has_file_picker();
void open_file_picker();  // the picked file arrives through app::load_model_bytes

// After app::init: the browser installs the automation API's backend (window.digitlab).
void start(app::State* s);
// After every frame is on screen: the browser resolves window.digitlab.ready after the first one.
void frame_presented(app::State& s);
// Nothing to draw this time round: the desktop sleeps until the next event; the browser returns.
void idle();

// The pointer samples that came before a pressed move to (x, y) but were merged into it. Browsers
// deliver moves once per frame, so when frames are slow (a phone, a busy machine) a fast stroke's
// samples arrive as one event; the page keeps them (PointerEvent.getCoalescedEvents) and this hands
// them over, in order, as x, y pairs in window coordinates (win_w x win_h). Returns how many pairs
// were written (at most `cap`). The desktop gets every sample from SDL already and returns 0.
int merged_moves(float x, float y, int win_w, int win_h, float* xy, int cap);

}  // namespace platform
