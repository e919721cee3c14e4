// layer_view.h — the Layers view: the current model as a strip (input -> each layer -> softmax) that
// a person steps through with buttons, the arrow keys or a swipe, and for the current input (the
// drawing, or a test image picked from the gallery) what each step computed:
//   - feature maps (convolution, BatchNorm, ReLU, pooling, dropout) as a grid of heat maps, one per
//     channel, with one colour scale and its legend, normalised per layer or per map;
//   - vectors (flatten, dense) as a heat strip; the output as probability bars;
//   - a clicked map enlarged next to the kernels that produced it, hovering a unit outlines its
//     receptive field on the input; the first layer's kernels as small images;
//   - the 9 test images that excite the enlarged channel most (top_images.h);
//   - the saliency of the answer (|d score / d pixel|) over the input;
//   - three instruments for what each layer knows (issue 14), each a panel of the view: Probes
//     (probes_panel.h: a linear read-out per step), Map (map_panel.h: the test images at a step in
//     2-D, the input as a marker) and knock-outs (knockouts.h: maps or units switched off in the model
//     on the Draw view, with what that costs in test accuracy). Their work runs in the background
//     (analysis_jobs.h), on a thread where the build has one.
// The forward pass re-runs when the input or the model (ModelSlot::version: a new file, or weights
// refreshed by training) changes; textures are updated in place (feature_maps.h).
//
// Steps are numbered 0 (the input) .. num_layers + 1 (softmax); step i (1..num_layers) shows model
// layer i - 1. The automation API (layers in window.digitlab) uses these step numbers.
#pragma once
#include <string>
#include <vector>

#include "analysis_jobs.h"
#include "feature_maps.h"
#include "gl_texture.h"
#include "imgui.h"
#include "knockouts.h"
#include "layer_run.h"
#include "map_panel.h"
#include "probes_panel.h"
#include "receptive_field.h"
#include "shape.h"
#include "test_images.h"
#include "top_images.h"
#include "ui_common.h"

namespace app {

struct State;

// While a background job computes, the Layers view redraws its progress at most this often. A frame
// of this view costs the page more than the main thread's time (in headless Chromium the software
// WebGL rasterises it on the core the job leaves free): at 4 frames a second the page kept 0.86x of
// its idle frame rate while the probes computed, at 1 it keeps them (the Draw view meanwhile: 0.99x).
constexpr double kJobProgressFrameMs = 1000.0;

// What an atlas holds, so it is filled again only when that changes.
struct KernelsKey {  // the filter shown beside a map
  int step = -1, channel = -1, model_version = -1, data_version = -1;
  bool operator==(const KernelsKey& o) const {
    return step == o.step && channel == o.channel && model_version == o.model_version && data_version == o.data_version;
  }
};
struct GalleryKey {  // a page of test images
  int page = -1, test_version = -1;
  bool operator==(const GalleryKey& o) const { return page == o.page && test_version == o.test_version; }
};
struct TopKey {  // the top images of a scan
  int count = -1, first_index = -1;
  bool operator==(const TopKey& o) const { return count == o.count && first_index == o.first_index; }
};

class LayerView {
 public:
  // The view's panels: the activations of the current step (with the knock-outs), the probes, the map.
  enum class Panel { Activations, Probes, Map };

  // Re-runs the network on the current input if the model, its knock-outs or the input changed (or
  // `live`).
  void Update(State& s);
  // Every main-loop iteration (app::background): the background jobs' slice without threads, and
  // the instruments' bookkeeping. True when something changed on screen.
  bool Background(State& s);
  // The Layers tab: fills the rest of the window. Calls Update.
  void Draw(State& s);
  // A frame is needed: the view's data is out of date, a top-images scan is running, or a background
  // job's progress is due (every kJobProgressFrameMs).
  bool NeedsFrame(const State& s) const;
  bool JobsBusy() const;

  void Select(int step);
  void StepBy(int delta) { Select(current_ + delta); }
  // -1: the drawing; else a test-set image.
  void PickTestImage(int index);
  void Enlarge(int channel);  // -1 closes the enlarged map
  // Starts the top-images scan of a step's channel; false when the step has no such channel or
  // there are no test images.
  bool StartTopImages(const State& s, int step, int channel);

  int Current() const { return current_; }
  int Channel() const { return channel_; }
  int Source() const { return source_; }
  const std::vector<LayerStep>& Steps() const { return run_.steps(); }
  const std::vector<float>& Activations(int step) const { return run_.activations(step); }
  const float* Saliency() const { return run_.saliency(); }
  int Digit() const { return run_.digit(); }
  bool HasInput() const { return run_.has_input(); }
  int Runs() const { return run_.runs(); }
  double RunMs() const { return run_.run_ms(); }  // the last forward pass + saliency + copies
  double DrawMs() const { return draw_ms_; }      // the last Draw(): Update, texture uploads, ImGui calls

  TestImages test;  // the MNIST test set, when the page could load it
  TopImages top;
  // The instruments and the runner of their jobs (declared first, so destroyed last: its thread stops
  // after every panel has let go of its jobs).
  JobRunner jobs;
  ProbesPanel probes;
  MapPanel map;
  Knockouts knockouts;
  Panel panel = Panel::Activations;
  // Knock-out mode: clicking a map (or a unit of a vector) switches it off or on instead of enlarging
  // it. A mode rather than a second target on each map: a map stays one large target on a projector
  // and on a phone (no right-click there, no tiny button), and one click has one meaning at a time.
  bool knock_mode = false;
  // Where things were drawn this frame, for the automation API: the panel switch (Activations,
  // Probes, Map), the knock-out toggle, and the current step's maps (or a vector's first units).
  Rect panel_buttons[3], knock_button;
  std::vector<Rect> cells;
  Normalisation norm = Normalisation::PerLayer;
  bool show_saliency = true;
  // Frame-rate measurements: draw every frame and re-upload every texture (Upload), or also re-run
  // the network and the saliency every frame (Recompute, what training at full speed would cost).
  enum class Live { Off, Upload, Recompute };
  Live live = Live::Off;

 private:
  void Rebuild(const State& s);
  void Run(State& s);
  void DrawStrip(State& s, float width);
  void DrawNav(State& s, float width);
  void DrawPanelSwitch(State& s, float width);
  void DrawInputColumn(State& s, float width, float height, bool row);
  void DrawMaps(State& s, float width, float height);
  void DrawVector(State& s, float width, float height);
  void DrawProbabilities(float width);
  void DrawDetail(State& s, float width);
  void DrawGallery(State& s, float width);
  void DrawTop(State& s, float width);
  void HandleSwipe(State& s);
  int ConvBehind(int step) const;  // the convolution step whose output this step shows, or -1

  LayerRun run_;                       // the steps, their outputs, the saliency
  std::vector<FeatureAtlas> atlases_;  // per step, created when first shown
  std::vector<int> atlas_version_;     // data_version_ in each atlas (-1: none)
  std::vector<Normalisation> atlas_norm_;
  FeatureAtlas kernels_;  // the enlarged channel's kernels (or all first-layer kernels)
  KernelsKey kernels_shown_;
  FeatureAtlas gallery_;
  int gallery_page_ = 0;
  GalleryKey gallery_shown_;
  FeatureAtlas top_atlas_;
  TopKey top_shown_;               // which hits are in top_atlas_
  std::vector<float> top_pixels_;  // (9, 784) scratch for top_atlas_
  GlTexture input_tex_;            // the input with the saliency over it (28, 28)
  uint8_t input_rgba_[dl::kImageSize * 4] = {};
  int input_tex_version_ = -1;

  int model_version_ = -1;
  int input_version_ = -1;  // Prediction::version or test pick it was run for
  int source_ = -1;         // -1 drawing, else the test image
  int source_version_ = 0;  // bumps on every pick
  int ran_source_version_ = -1;
  int ran_knockouts_ = -1;        // ModelSlot::knockouts of the last run
  double progress_frame_ms_ = 0;  // when a frame last showed a job's progress
  int data_version_ = 0;          // bumps with each run (and each frame while live)
  double draw_ms_ = 0;
  int current_ = 0;
  int channel_ = -1;
  bool hover_valid_ = false;  // a unit was hovered last frame: outline its receptive field
  bool hover_next_ = false;   // ... and this frame (the input is drawn before the maps)
  dl::PixelBox hover_box_;
  bool scroll_to_current_ = true;  // bring the current step into view in the strip
  int drawn_pad_version_ = -1;
  float grid_top_origin_ = 0;
  ImVec2 swipe_start_ = ImVec2(-1, -1);
  bool swipe_armed_ = false;
  float pad_rect_[4] = {};  // where the small pad is, to keep swipes off it
};

}  // namespace app
