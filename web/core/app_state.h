// app_state.h — everything the DigitLab app knows, in one struct, and the small value types the
// panels exchange with it. The app is one State and one frame(State&) (app.h); each panel is a small
// struct with its own state and a Draw() (draw_pad.h, prediction_panel.h, input_preview.h,
// model_loader.h, my_digits_panel.h). Panels never change the model or the prediction: they read them through const
// references and ask for changes through Commands, which frame() applies after drawing. The Layers
// view (layer_view.h) runs the network itself (forward and saliency passes; never the weights).
//
// Not here: SDL, GL or Emscripten — main.cpp and the platform files own those.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "draw_pad.h"
#include "fonts.h"
#include "input_preview.h"
#include "layer_view.h"
#include "model.h"
#include "model_loader.h"
#include "my_digits_app.h"
#include "prediction_panel.h"
#include "preprocess.h"
#include "shape.h"
#include "training_app.h"
#include "ui_common.h"

namespace app {

// Below this top probability the answer is shown as "not sure". MNIST test digits that the shipped
// model gets right are almost all above 0.9; drawings between two digits (a 4 that could be a 9)
// land around 0.4-0.6, which is where a person should see the doubt.
constexpr float kNotSureThreshold = 0.6f;

// The draw pad is rasterised at this resolution before the engine's MNIST-style preprocessing
// (crop to the ink, scale into 20x20, centre of mass to the middle of 28x28).
using dl::kPadRaster;  // strokes.h

// While a stroke is being drawn the prediction is refreshed at most this often (seconds); when the
// pen lifts it is refreshed at once. A forward pass takes a few ms, a frame 16 ms.
constexpr double kPredictInterval = 0.05;

// Phone layout (pad on top, answer below) when the window is narrower than this, in CSS pixels.
constexpr float kPhoneWidth = 600.0f;

// Pointer input as it arrived between two frames, in window coordinates (CSS pixels in the
// browser). ImGui only sees the last mouse position of a frame; the pad wants every sample.
struct PointerEvent {
  enum Kind { Down, Move, Up } kind = Move;
  float x = 0, y = 0;
};

// Requests from the panels and the keyboard, applied by frame() after the panels have drawn.
struct Commands {
  bool clear = false;
  bool undo = false;
  bool toggle_classroom = false;
  bool pick_model = false;      // open the platform's file picker
  std::string load_model_path;  // desktop: load the model file at this path
  int layer_step = 0;           // Layers view: steps to move (arrow keys; +-1000 = last/first)
};

// The loaded network. Replaced as a whole only when a new file loads without error.
struct ModelSlot {
  bool loaded = false;
  dl::Model model;
  std::string name;                             // file name or metadata "name"
  std::map<std::string, std::string> metadata;  // safetensors __metadata__
  std::string error;                            // last load error ("" after a success)
  int version = 0;                              // bumps on every successful load
  int knockouts = 0;  // bumps whenever a unit of model is switched off or on (the Layers view's knock-outs)
};

// The network's answer for the current drawing.
struct Prediction {
  bool has_ink = false;                // the pad has ink (otherwise no prediction)
  bool valid = false;                  // has_ink and a model is loaded
  int digit = -1;                      // argmax of probs, -1 when !valid
  float probs[dl::kClasses] = {};      // softmax output (10)
  float input28[dl::kImageSize] = {};  // preprocessed input (28, 28), ink = 1
  dl::PreprocessInfo info;             // bounding box and centre of mass of the preprocessing
  int pad_version = -1;                // DrawPad::version() this answer belongs to
  int model_version = -1;              // ModelSlot::version it was computed with
  int knockouts = -1;                  // ModelSlot::knockouts it was computed with
  int version = 0;                     // bumps whenever the fields above change
  double last_ms = 0;                  // raster + preprocess + forward + softmax, milliseconds
  double input_ms = 0;                 // State::input_ms of the frame whose input this answer read
  double answered_ms = 0;              // the page's clock when the answer was ready
  double forward_ms = 0;               // of which the network's forward pass + softmax
  double total_ms = 0;                 // sum over `count` predictions
  int count = 0;
  bool not_sure() const { return valid && probs[digit] < kNotSureThreshold; }
};

// Where things are this frame (window coordinates, CSS pixels in the browser). The automation API
// reports the rectangles, so tests can press the real buttons.
struct Layout {
  bool phone = false;
  float width = 0, height = 0;  // window size
  float font_px = 18;           // UI font size in window units
  float pad_x = 0, pad_y = 0, pad_side = 0;
  Rect clear_button, undo_button, load_button, classroom_toggle;
  Rect draw_tab, train_tab, layers_tab;  // the view switch (tab bar)
};

// The views of the tab bar at the top (app.cpp).
enum class View { Draw, Train, Layers };
const char* view_name(View v);  // "draw", "train", "layers" (state().view)

struct State {
  // Window and display.
  float dpr = 1.0f;        // framebuffer pixels per window unit (devicePixelRatio in the browser)
  bool classroom = false;  // larger UI for a projector
  bool running = true;
  bool has_file_picker = false;  // the platform can show a file picker (the browser can)
  Layout layout;
  int64_t frame = 0;      // frames drawn
  int redraw_frames = 3;  // draw at least this many more frames (then only on input or change)
  double time = 0;        // seconds since start, set by main.cpp each frame
  double input_ms = 0;    // the UI clock (now_ms) when main.cpp took the frame's input events
  double frame_ms = 0;    // the main thread's time for a drawn frame (smoothed), set by main.cpp

  // Input collected by main.cpp between frames; consumed by the pad every frame.
  std::vector<PointerEvent> pointer_events;  // capacity reserved once
  Commands commands;

  // Data.
  ModelSlot model;
  Prediction prediction;
  std::vector<float> raster;  // (kPadRaster, kPadRaster) grey ink of the pad, in [0, 1]
  double last_predict_time = -1;
  std::vector<uint8_t> font_ttf;  // the UI font file (ImGui reads it in place)

  // Panels.
  Fonts fonts;
  DrawPad pad;
  PredictionPanel answer;
  InputPreview preview;
  ModelLoader loader;
  LayerView layers;

  View view = View::Draw;  // the tab on screen
  int view_request = -1;   // a View to switch to at the next frame (API, keyboard), -1 none

  // The Train view (training_app.h); `shipped` keeps the pad's own model while a trained one is used.
  Training training;
  ModelSlot shipped;

  // My digits and Teach it (my_digits_app.h): the person's digits, the teach, its Undo.
  Mine mine;

  std::string json;  // scratch for the automation API's state() (state_json.h)
};

}  // namespace app
