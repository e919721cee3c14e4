// platform_web.cpp — the browser side of platform.h, and the backend of the automation API.
//
// The page's loader (shell/loader.js) fetches the font and the model with a progress bar and puts
// them on the Module object (Module.digitlabAssets) before the program starts; load_assets() copies
// them into the program. start() installs Module.digitlabApi, which window.digitlab (loader.js)
// calls: state(), clear(), undo(), loadModel(bytes, name), setClassroom(on). Those run between
// frames on the one browser thread, so they act on the State directly and return current answers.
// The file picker and drag and drop (loader.js) also end in loadModel().
#include <emscripten.h>
#include <SDL.h>

#include "app.h"
#include "layer_api.h"
#include "platform.h"
#include "state_json.h"

namespace {

// The one State, for the functions JavaScript calls (they have no other way to reach it).
app::State* g_state = nullptr;

}  // namespace

// clang-format off
EM_JS(int, js_asset_size, (const char* key), {
  var a = Module.digitlabAssets && Module.digitlabAssets[UTF8ToString(key)];
  return a ? a.length : -1;
});
EM_JS(void, js_asset_take, (const char* key, uint8_t* dst), {
  var k = UTF8ToString(key);
  HEAPU8.set(Module.digitlabAssets[k], dst);
  Module.digitlabAssets[k] = null;
});
EM_JS(void, js_asset_string, (const char* key, char* dst, int cap), {
  var s = (Module.digitlabAssets && Module.digitlabAssets[UTF8ToString(key)]) || "";
  stringToUTF8(String(s), dst, cap);
});
EM_JS(void, js_open_file_picker, (), {
  var input = document.getElementById("model-file");
  if (input) input.click();
});
EM_JS(void, js_first_frame, (), {
  if (Module.onDigitLabFirstFrame) Module.onDigitLabFirstFrame();
});
EM_JS(void, js_install_api, (), {
  var api = {
    state: function() { return JSON.parse(UTF8ToString(_digitlab_api_state_json())); },
    clear: function() { _digitlab_api_clear(); },
    undo: function() { _digitlab_api_undo(); },
    setClassroom: function(on) { _digitlab_api_set_classroom(on ? 1 : 0); },
    loadModel: function(bytes, name) {
      var data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
      var p = _malloc(Math.max(1, data.length));
      HEAPU8.set(data, p);
      var label = String(name || "model file");
      var len = lengthBytesUTF8(label) + 1;
      var q = _malloc(len);
      stringToUTF8(label, q, len);
      var ok = _digitlab_api_load_model(p, data.length, q);
      _free(p);
      _free(q);
      return ok ? { ok: true, error: null } : { ok: false, error: api.state().modelError };
    }
  };
  Module.digitlabApi = api;
});
// clang-format on

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* digitlab_api_state_json() {
  app::write_state_json(*g_state, &g_state->json);
  return g_state->json.c_str();
}

EMSCRIPTEN_KEEPALIVE void digitlab_api_clear() {
  app::clear(*g_state);
  app::predict_now(*g_state);
}

EMSCRIPTEN_KEEPALIVE void digitlab_api_undo() {
  app::undo(*g_state);
  app::predict_now(*g_state);
}

EMSCRIPTEN_KEEPALIVE void digitlab_api_set_classroom(int on) {
  g_state->classroom = on != 0;
  app::request_redraw(*g_state);
}

EMSCRIPTEN_KEEPALIVE int digitlab_api_load_model(const uint8_t* bytes, int size, const char* name) {
  const dl::Status st = app::load_model_bytes(*g_state, bytes, static_cast<size_t>(size), name);
  app::predict_now(*g_state);
  return st.ok() ? 1 : 0;
}

}  // extern "C"

namespace platform {

namespace {
void take_asset(const char* key, std::vector<uint8_t>* out) {
  const int n = js_asset_size(key);
  if (n < 0) return;
  out->resize(static_cast<size_t>(n));
  js_asset_take(key, out->data());
}
std::string asset_string(const char* key) {
  char buf[1024];
  js_asset_string(key, buf, sizeof(buf));
  return buf;
}
}  // namespace

void load_assets(int, char**, Assets* out) {
  take_asset("font", &out->font);
  take_asset("model", &out->model);
  out->model_name = asset_string("modelName");
  out->problem = asset_string("modelProblem");
}

void set_gl_attributes() {
  // WebGL 2 is OpenGL ES 3.0.
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, 0);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_ES);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
}

const char* glsl_version() { return "#version 300 es"; }

bool has_file_picker() { return true; }
void open_file_picker() { js_open_file_picker(); }

void start(app::State* s) {
  g_state = s;
  js_install_api();
  app::install_layer_api(s);  // window.digitlab.layers
}

void frame_presented(app::State& s) {
  if (s.frame == 1) js_first_frame();
}

void idle() {}  // the browser calls the loop again at the next animation frame

}  // namespace platform
