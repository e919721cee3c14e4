// layer_api_web.cpp — the browser side of the Layers view's automation API (window.digitlab.layers,
// see shell/loader.js and the README) and the hand-over of the MNIST test images the page fetched.
// Like platform_web.cpp's functions, these run between frames on the browser's one thread and act
// on the State directly; each brings the view up to date first, so answers are current.
#include <emscripten.h>

#include <algorithm>

#include "app.h"
#include "layer_api.h"

namespace {
app::State* g_state = nullptr;

// The view's data for the current model and input, whichever tab is on screen.
app::LayerView& view() {
  app::predict_now(*g_state);
  g_state->layers.Update(*g_state);
  return g_state->layers;
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

}  // extern "C"

namespace app {

void install_layer_api(State* s) {
  g_state = s;
  js_install_layer_api();
}

}  // namespace app
