// mine_api_web.cpp — window.digitlab.mine (shell/loader.js and the README): add(label), list(),
// remove(i), clear(), export(), import(images, labels), teach(options), undoTeach(); the digits kept
// in IndexedDB (loader.js writes serialize()'s bytes on every change and hands them back at the next
// start); the Export button's two .gz downloads and the Import button's file picker. The browser
// compresses and decompresses (CompressionStream, DecompressionStream): this build has no zlib.
// Like the other API files, these run between frames on the browser's one thread and act on the
// State directly.
#include <emscripten.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "app.h"
#include "mine_api.h"
#include "state_json.h"

namespace {
app::State* g_state = nullptr;
std::string g_answer;                // the last string answer (JavaScript copies it out at once)
std::vector<uint8_t> g_idx[2];       // export: images, labels (uncompressed IDX)

// teach(options): typed and range-checked, as every API option; "" or the sentence why not.
std::string parse_teach_options(const char* text, dl::FinetuneOptions* o) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return "the options must be an object, e.g. {steps: 60}";
  for (auto it = j.begin(); it != j.end(); ++it) {
    const nlohmann::json& v = it.value();
    const double d = v.is_number() ? v.get<double>() : std::nan("");
    const std::string got = " (got " + v.dump().substr(0, 40) + ")";
    if (it.key() == "steps") {
      if (!v.is_number() || std::floor(d) != d || d < 1 || d > 10000)
        return "steps must be a whole number from 1 to 10,000" + got;
      o->steps = static_cast<int>(d);
    } else if (it.key() == "seed") {
      if (!v.is_number() || std::floor(d) != d || d < 0 || d > 9007199254740991.0)
        return "seed must be a whole number from 0 to 2^53 - 1" + got;
      o->seed = static_cast<uint64_t>(d);
    } else if (it.key() == "holdout") {
      if (!v.is_number() || !(d >= 0 && d <= 0.9)) return "holdout must be a fraction from 0 to 0.9" + got;
      o->holdout = d;
    } else {
      return "unknown option '" + it.key().substr(0, 40) + "' (the options are steps, seed and holdout)";
    }
  }
  return "";
}

const char* answer(const dl::Status& st) {
  g_answer = st.ok() ? "" : st.message();
  return g_answer.c_str();
}

void store_now(app::State& s);
}  // namespace

// clang-format off
EM_JS(void, js_install_mine_api, (), {
  var api = Module.digitlabApi;
  var withHeap = Module.digitlabWithHeap;
  var idx = function(which) {
    var p = _digitlab_mine_idx(which), n = _digitlab_mine_idx_size(which);
    return HEAPU8.slice(p, p + n);
  };
  api.mine = {
    add: function(label) { return UTF8ToString(_digitlab_mine_add(label)); },
    remove: function(i) { return UTF8ToString(_digitlab_mine_remove(i)); },
    clear: function() { _digitlab_mine_clear(); },
    list: function() { return JSON.parse(UTF8ToString(_digitlab_mine_list())); },
    poll: function() { return JSON.parse(UTF8ToString(_digitlab_mine_poll())); },
    // The IDX pair, uncompressed: { images, labels }.
    idx: function() { _digitlab_mine_prepare_idx(); var r = { images: idx(0), labels: idx(1) }; _digitlab_mine_prepare_idx(); return r; },
    importBytes: function(images, labels) {
      var r = withHeap([images, labels], function(p, q) {
        return UTF8ToString(_digitlab_mine_import(p, images.length, q, labels.length));
      });
      return r.noRoom ? "the page's memory is full" : r.value;
    },
    importProblem: function(text) { withHeap([String(text)], _digitlab_mine_import_problem); },
    teachStart: function(options) {
      var text = JSON.stringify(options);
      if (typeof text !== "string" || text.length > 1000) return "the options must be a small object, e.g. {steps: 60}";
      var r = withHeap([text], function(p) { return UTF8ToString(_digitlab_mine_teach(p)); });
      return r.noRoom ? "the page's memory is full" : r.value;
    },
    undoTeach: function() { return UTF8ToString(_digitlab_mine_undo()); }
  };
});
EM_JS(void, js_store_mine, (const uint8_t* bytes, int size), {
  if (Module.digitlabStoreMine) Module.digitlabStoreMine(HEAPU8.slice(bytes, bytes + size));
});
EM_JS(void, js_export_mine, (const uint8_t* images, int images_size, const uint8_t* labels, int labels_size), {
  if (Module.digitlabExportMine)
    Module.digitlabExportMine(HEAPU8.slice(images, images + images_size), HEAPU8.slice(labels, labels + labels_size));
});
EM_JS(void, js_pick_mine, (), {
  if (Module.digitlabPickMine) Module.digitlabPickMine();
});
// clang-format on

namespace {
void store_now(app::State& s) {
  if (!s.mine.store) return;
  s.mine.store = false;
  const std::vector<uint8_t> bytes = s.mine.digits.serialize();
  js_store_mine(bytes.data(), static_cast<int>(bytes.size()));
}
}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* digitlab_mine_add(int label) {
  const dl::Status st = app::mine_add(*g_state, label);
  store_now(*g_state);
  return answer(st);
}

EMSCRIPTEN_KEEPALIVE const char* digitlab_mine_remove(int i) {
  const dl::Status st = app::mine_remove(*g_state, i);
  store_now(*g_state);
  return answer(st);
}

EMSCRIPTEN_KEEPALIVE void digitlab_mine_clear() {
  app::mine_clear(*g_state);
  store_now(*g_state);
}

// [{index, label, strokes, points}] in the order the digits were added.
EMSCRIPTEN_KEEPALIVE const char* digitlab_mine_list() {
  const dl::MyDigits& d = g_state->mine.digits;
  g_answer = "[";
  for (int i = 0; i < d.count(); ++i) {
    size_t points = 0;
    for (const dl::PenStroke& st : d.strokes(i)) points += st.size();
    if (i) g_answer += ',';
    g_answer += "{\"index\":" + std::to_string(i) + ",\"label\":" + std::to_string(d.label(i)) +
                ",\"strokes\":" + std::to_string(d.strokes(i).size()) + ",\"points\":" + std::to_string(points) + "}";
  }
  g_answer += ']';
  return g_answer.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* digitlab_mine_poll() {
  g_answer.clear();
  app::write_mine_json(*g_state, &g_answer);
  return g_answer.c_str();
}

// Fills the export buffers (first call) or frees them (second call, once JavaScript has copied them).
EMSCRIPTEN_KEEPALIVE void digitlab_mine_prepare_idx() {
  if (!g_idx[0].empty()) {
    std::vector<uint8_t>().swap(g_idx[0]);
    std::vector<uint8_t>().swap(g_idx[1]);
    return;
  }
  g_idx[0] = g_state->mine.digits.idx_images();
  g_idx[1] = g_state->mine.digits.idx_labels();
}
EMSCRIPTEN_KEEPALIVE const uint8_t* digitlab_mine_idx(int which) { return g_idx[which != 0].data(); }
EMSCRIPTEN_KEEPALIVE int digitlab_mine_idx_size(int which) { return static_cast<int>(g_idx[which != 0].size()); }

EMSCRIPTEN_KEEPALIVE const char* digitlab_mine_import(const uint8_t* images, int images_size, const uint8_t* labels,
                                                     int labels_size) {
  const dl::Status st = app::mine_import(*g_state, images, static_cast<size_t>(images_size), labels,
                                         static_cast<size_t>(labels_size));
  store_now(*g_state);
  return answer(st);
}

EMSCRIPTEN_KEEPALIVE void digitlab_mine_import_problem(const char* text) { app::mine_import_problem(*g_state, text); }

EMSCRIPTEN_KEEPALIVE const char* digitlab_mine_teach(const char* options_json) {
  dl::FinetuneOptions o;
  g_answer = parse_teach_options(options_json, &o);
  if (!g_answer.empty()) return g_answer.c_str();
  return answer(app::mine_teach(*g_state, o));
}

EMSCRIPTEN_KEEPALIVE const char* digitlab_mine_undo() {
  const dl::Status st = app::mine_undo(*g_state);
  app::predict_now(*g_state);
  return answer(st);
}

}  // extern "C"

namespace app {

void install_mine_api(State* s, const uint8_t* stored, size_t size) {
  g_state = s;
  js_install_mine_api();
  if (size > 0) mine_restore(*s, stored, size);
}

void mine_frame_presented(State& s) {
  Mine& m = s.mine;
  store_now(s);
  if (m.want_export) {
    m.want_export = false;
    const std::vector<uint8_t> images = m.digits.idx_images(), labels = m.digits.idx_labels();
    js_export_mine(images.data(), static_cast<int>(images.size()), labels.data(), static_cast<int>(labels.size()));
  }
  if (m.want_import) {
    m.want_import = false;
    js_pick_mine();
  }
}

}  // namespace app
