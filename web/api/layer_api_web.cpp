// layer_api_web.cpp — the browser side of the Layers view's automation API (window.digitlab.layers,
// see shell/loader.js and the README) and the hand-over of the MNIST test images the page fetched.
// Like platform_web.cpp's functions, these run between frames on the browser's one thread and act
// on the State directly; each brings the view up to date first, so answers are current.
#include <emscripten.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "app.h"
#include "layer_api.h"
#include "state_json.h"

namespace {
app::State* g_state = nullptr;

// The view's data for the current model and input, whichever tab is on screen.
app::LayerView& view() {
  app::predict_now(*g_state);
  g_state->layers.Update(*g_state);
  return g_state->layers;
}

// The answer of the last call that returns a string (a sentence, or JSON): JavaScript copies it out
// before it calls again.
std::string g_answer;

// layers.probes(options): the options as JSON, typed and range-checked before anything is started.
std::string parse_probe_options(const char* text, int* images) {
  const nlohmann::json o = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (o.is_discarded() || !o.is_object()) return "probes: the options must be an object, e.g. {images: 5000}";
  for (auto it = o.begin(); it != o.end(); ++it) {
    if (it.key() != "images") return "probes: unknown option '" + it.key() + "' (the one option is images)";
    const nlohmann::json& v = it.value();
    const double d = v.is_number() ? v.get<double>() : -1;
    if (!v.is_number() || std::floor(d) != d || d < 10 || d > app::kProbePool)
      return "probes: images must be a whole number from 10 to " + std::to_string(app::kProbePool) + " (got " +
             v.dump().substr(0, 40) + ")";
    *images = static_cast<int>(d);
  }
  return "";
}
}  // namespace

// clang-format off
EM_JS(void, js_install_layer_api, (), {
  var api = Module.digitlabApi;
  var floats = function(ptr, n) { return Array.from(HEAPF32.subarray(ptr >> 2, (ptr >> 2) + n)); };
  api.layers = {
    select: function(step) { _digitlab_layers_select(step | 0); return api.state().layerView; },
    show: function(on) { _digitlab_layers_show(on ? 1 : 0); },
    activations: function(step) {
      var n = _digitlab_layers_activation_count(step | 0);
      if (n < 0) return null;
      var v = api.state().layerView.steps[step | 0];
      return { step: step | 0, name: v.name, kind: v.kind, shape: v.shape, values: floats(_digitlab_layers_activation(step | 0), n) };
    },
    saliency: function() { return floats(_digitlab_layers_saliency(), 784); },
    pickTestImage: function(index) { return _digitlab_layers_pick(index | 0) !== 0; },
    enlarge: function(channel) { _digitlab_layers_enlarge(channel | 0); },
    setNormalisation: function(mode) { _digitlab_layers_normalisation(mode === 'map' ? 1 : 0); },
    setLive: function(mode) { _digitlab_layers_live(mode === 'recompute' ? 2 : (mode ? 1 : 0)); },
    startTopImages: function(step, channel) { return _digitlab_layers_top(step | 0, channel | 0) !== 0; },
    // The instruments (issue 14). Each start returns "" or the sentence why not; each poll returns
    // the JSON of instruments_json.cpp.
    probesStart: function(options) {
      var text = JSON.stringify(options === undefined ? {} : options);
      if (typeof text !== "string" || text.length > 1000) return "probes: the options must be a small object, e.g. {images: 5000}";
      var r = Module.digitlabWithHeap([text], function(p) { return UTF8ToString(_digitlab_layers_probes_start(p)); });
      return r.noRoom ? "probes: the page's memory is full" : r.value;
    },
    probesPoll: function() { return JSON.parse(UTF8ToString(_digitlab_layers_probes_poll())); },
    embeddingStart: function(step, method) {
      var r = Module.digitlabWithHeap([method], function(p) { return UTF8ToString(_digitlab_layers_embedding_start(step, p)); });
      return r.noRoom ? "embedding: the page's memory is full" : r.value;
    },
    embeddingPoll: function() { return JSON.parse(UTF8ToString(_digitlab_layers_embedding_poll())); },
    ablate: function(step, channel, off) { return UTF8ToString(_digitlab_layers_ablate(step, channel, off ? 1 : 0)); },
    ablateReset: function() { _digitlab_layers_ablate_reset(); },
    ablationPoll: function() { return JSON.parse(UTF8ToString(_digitlab_layers_ablation_poll())); },
    showPanel: function(which) { _digitlab_layers_panel(which === 'probes' ? 1 : which === 'map' ? 2 : 0); },
    setKnockOut: function(on) { _digitlab_layers_knock_mode(on ? 1 : 0); },
    setTestImages: function(images, labels) {
      var r = Module.digitlabWithHeap([images, labels], function(a, b) {
        return _digitlab_layers_set_test_images(a, images.length, b, labels.length);
      });
      return !r.noRoom && r.value !== 0;  // no room in the heap: no test images
    }
  };
});
// clang-format on

extern "C" {

EMSCRIPTEN_KEEPALIVE void digitlab_layers_select(int step) {
  view().Select(step);
  g_state->view_request = static_cast<int>(app::View::Layers);
  app::request_redraw(*g_state);
}

EMSCRIPTEN_KEEPALIVE void digitlab_layers_show(int on) {
  g_state->view_request = static_cast<int>(on ? app::View::Layers : app::View::Draw);
  app::request_redraw(*g_state);
}

EMSCRIPTEN_KEEPALIVE int digitlab_layers_activation_count(int step) {
  app::LayerView& v = view();
  if (step < 0 || step >= static_cast<int>(v.Steps().size())) return -1;
  return static_cast<int>(v.Activations(step).size());
}

EMSCRIPTEN_KEEPALIVE const float* digitlab_layers_activation(int step) { return view().Activations(step).data(); }

EMSCRIPTEN_KEEPALIVE const float* digitlab_layers_saliency() { return view().Saliency(); }

EMSCRIPTEN_KEEPALIVE int digitlab_layers_pick(int index) {
  app::LayerView& v = view();
  v.PickTestImage(index);
  v.Update(*g_state);
  app::request_redraw(*g_state);
  return v.Source() == index ? 1 : 0;
}

EMSCRIPTEN_KEEPALIVE void digitlab_layers_enlarge(int channel) {
  view().Enlarge(channel);
  app::request_redraw(*g_state);
}

EMSCRIPTEN_KEEPALIVE void digitlab_layers_normalisation(int per_map) {
  g_state->layers.norm = per_map ? app::Normalisation::PerMap : app::Normalisation::PerLayer;
  app::request_redraw(*g_state);
}

EMSCRIPTEN_KEEPALIVE void digitlab_layers_live(int mode) {
  g_state->layers.live = mode == 2   ? app::LayerView::Live::Recompute
                         : mode == 1 ? app::LayerView::Live::Upload
                                     : app::LayerView::Live::Off;
  app::request_redraw(*g_state);
}

EMSCRIPTEN_KEEPALIVE int digitlab_layers_top(int step, int channel) {
  app::request_redraw(*g_state);
  return view().StartTopImages(*g_state, step, channel) ? 1 : 0;
}

EMSCRIPTEN_KEEPALIVE int digitlab_layers_set_test_images(const uint8_t* images, int images_size, const uint8_t* labels,
                                                         int labels_size) {
  const dl::Status st =
      g_state->layers.test.Load(images, static_cast<size_t>(images_size), labels, static_cast<size_t>(labels_size));
  app::request_redraw(*g_state);
  return st.ok() ? 1 : 0;
}

// --- the instruments (probes, the map, knock-outs) ------------------------------------------------

EMSCRIPTEN_KEEPALIVE const char* digitlab_layers_probes_start(const char* options_json) {
  int images = app::ProbesPanel::kDefaultImages;
  g_answer = parse_probe_options(options_json, &images);
  if (g_answer.empty()) g_answer = g_state->layers.probes.Request(*g_state, images);
  if (g_answer.empty() && g_state->layers.Background(*g_state)) app::request_redraw(*g_state);
  return g_answer.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* digitlab_layers_probes_poll() {
  if (g_state->layers.Background(*g_state)) app::request_redraw(*g_state);
  app::write_probes_json(*g_state, &g_answer);
  return g_answer.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* digitlab_layers_embedding_start(int step, const char* method) {
  const std::string m = method;
  if (m != "pca" && m != "tsne") {
    g_answer = "embedding: method must be 'pca' or 'tsne' (got '" + m + "')";
    return g_answer.c_str();
  }
  app::LayerView& v = view();
  g_answer = v.map.Request(*g_state, step, m == "pca" ? dl::EmbeddingMethod::Pca : dl::EmbeddingMethod::Tsne);
  if (g_answer.empty()) {
    v.Select(step);  // the view shows the step whose map this is (the Map panel follows the view)
    if (v.Background(*g_state)) app::request_redraw(*g_state);
  }
  return g_answer.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* digitlab_layers_embedding_poll() {
  app::LayerView& v = view();  // the marker is for the current input
  if (v.Background(*g_state)) app::request_redraw(*g_state);
  app::write_embedding_json(*g_state, &g_answer);
  return g_answer.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* digitlab_layers_ablate(int step, int channel, int off) {
  app::LayerView& v = view();
  g_answer = v.knockouts.Set(*g_state, step, channel, off != 0);
  if (g_answer.empty()) {
    app::predict_now(*g_state);
    v.Update(*g_state);
  }
  return g_answer.c_str();
}

EMSCRIPTEN_KEEPALIVE void digitlab_layers_ablate_reset() {
  app::LayerView& v = view();
  v.knockouts.Reset(*g_state);
  app::predict_now(*g_state);
  v.Update(*g_state);
}

EMSCRIPTEN_KEEPALIVE const char* digitlab_layers_ablation_poll() {
  app::LayerView& v = view();
  v.knockouts.Want();
  if (v.Background(*g_state)) app::request_redraw(*g_state);
  app::write_ablation_json(*g_state, &g_answer);
  return g_answer.c_str();
}

EMSCRIPTEN_KEEPALIVE void digitlab_layers_panel(int panel) {
  g_state->layers.panel = static_cast<app::LayerView::Panel>(std::clamp(panel, 0, 2));
  g_state->view_request = static_cast<int>(app::View::Layers);
  app::request_redraw(*g_state);
}

EMSCRIPTEN_KEEPALIVE void digitlab_layers_knock_mode(int on) {
  g_state->layers.knock_mode = on != 0;
  app::request_redraw(*g_state);
}

}  // extern "C"

namespace app {

void install_layer_api(State* s) {
  g_state = s;
  js_install_layer_api();
}

}  // namespace app
