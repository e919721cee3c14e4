// layer_view.h — the Layers view: the current model as a strip (input -> each layer -> softmax) that
// a person steps through with buttons, the arrow keys or a swipe, and for the current input (the
// drawing, or a test image picked from the gallery) what each step computed:
//   - feature maps (convolution, BatchNorm, ReLU, pooling, dropout) as a grid of heat maps, one per
//     channel, with one colour scale and its legend, normalised per layer or per map;
//   - vectors (flatten, dense) as a heat strip; the output as probability bars;
//   - a clicked map enlarged next to the kernels that produced it, hovering a unit outlines its
//     receptive field on the input; the first layer's kernels as small images;
//   - the 9 test images that excite the enlarged channel most (top_images.h);
//   - the saliency of the answer (|d score / d pixel|) over the input.
// The forward pass re-runs when the input or the model (ModelSlot::version: a new file, or weights
// refreshed by training) changes; textures are updated in place (feature_maps.h).
//
// Steps are numbered 0 (the input) .. num_layers + 1 (softmax); step i (1..num_layers) shows model
// layer i - 1. The automation API (layers in window.digitlab) uses these step numbers.
#pragma once
#include <string>
#include <vector>

#include "feature_maps.h"
#include "gl_texture.h"
#include "imgui.h"
#include "layer_run.h"
#include "receptive_field.h"
#include "shape.h"
#include "test_images.h"
#include "top_images.h"

namespace app {

struct State;

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
  // Re-runs the network on the current input if the model or the input changed (or `live`).
  void Update(State& s);
  // The Layers tab: fills the rest of the window. Calls Update.
  void Draw(State& s);
  // A frame is needed: the view's data is out of date or a top-images scan is running.
  bool NeedsFrame(const State& s) const;

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
  int data_version_ = 0;  // bumps with each run (and each frame while live)
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
