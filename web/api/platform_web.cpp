// platform_web.cpp — the browser side of platform.h, and the backend of the automation API.
//
// The page's loader (shell/loader.js) fetches the font and the model with a progress bar and puts
// them on the Module object (Module.digitlabAssets) before the program starts; load_assets() copies
// them into the program. start() installs Module.digitlabApi, which window.digitlab (loader.js)
// calls: state(), clear(), undo(), loadModel(bytes, name), setClassroom(on). Those run between
// frames on the one browser thread, so they act on the State directly and return current answers.
// The file picker and drag and drop (loader.js) also end in loadModel().
#include <emscripten.h>
#include <emscripten/heap.h>
#include <malloc.h>
#include <SDL.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>

#include "app.h"
#include "dataset.h"
#include "layer_api.h"
#include "mine_api.h"
#include "my_digits.h"
#include "model_io.h"
#include "platform.h"
#include "state_json.h"
#include "train_options.h"
#include "training_app.h"

namespace {

// The one State, for the functions JavaScript calls (they have no other way to reach it).
app::State* g_state = nullptr;

// The four MNIST files as they arrive from the page (decompressed by the browser, or still gzipped
// where it has no DecompressionStream): train images, train labels, test images, test labels.
std::vector<uint8_t> g_mnist[4];

// One slice of training between frames, in milliseconds: short enough that an animation frame
// waits at most this long for its turn, long enough that a slice does a few batches.
constexpr double kTrainingSliceMs = 8.0;

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
EM_JS(void, js_fetch_mnist, (), {
  if (Module.digitlabFetchMnist) Module.digitlabFetchMnist();
});
EM_JS(void, js_offer_download, (const uint8_t* bytes, int size, const char* name), {
  if (Module.digitlabDownload) Module.digitlabDownload(HEAPU8.slice(bytes, bytes + size), UTF8ToString(name));
});
EM_JS(void, js_store_run, (const uint8_t* bytes, int size), {
  if (Module.digitlabStore) Module.digitlabStore(size > 0 ? HEAPU8.slice(bytes, bytes + size) : null);
});
// The samples merged into the pressed move that ended at (x, y): loader.js's takeMerged.
EM_JS(int, js_take_merged, (float x, float y, int win_w, int win_h, float* xy, int cap), {
  if (!Module.digitlabTakeMerged) return 0;
  var pts = Module.digitlabTakeMerged(x, y, win_w, win_h);
  var n = Math.min(pts.length >> 1, cap);
  for (var i = 0; i < 2 * n; ++i) HEAPF32[(xy >> 2) + i] = pts[i];
  return n;
});
// The saved run has been restored (or refused): loader.js clears its "restoring" mark.
EM_JS(void, js_restore_done, (), {
  if (Module.digitlabRestoreDone) Module.digitlabRestoreDone();
});
// Training between frames: a MessageChannel task (not setTimeout, which is clamped to 4 ms) runs a
// slice of training and posts the next one until there is nothing left to train. The browser draws
// the next animation frame between two slices, so the page stays responsive while the core that
// runs the page trains in the time drawing leaves free.
EM_JS(void, js_start_training_pump, (double slice_ms), {
  if (!Module.digitlabPump) {
    var ch = new MessageChannel();
    ch.port1.onmessage = function() {
      if (_digitlab_train_between_frames(slice_ms)) ch.port2.postMessage(0);
      else Module.digitlabPump.running = false;
    };
    Module.digitlabPump = { channel: ch, running: false };
  }
  if (Module.digitlabPump.running) return;
  Module.digitlabPump.running = true;
  Module.digitlabPump.channel.port2.postMessage(0);
});
// The same for the Layers view's background jobs where there are no threads (analysis_jobs.h).
EM_JS(void, js_start_jobs_pump, (double slice_ms), {
  if (!Module.digitlabJobsPump) {
    var ch = new MessageChannel();
    ch.port1.onmessage = function() {
      if (_digitlab_jobs_between_frames(slice_ms)) ch.port2.postMessage(0);
      else Module.digitlabJobsPump.running = false;
    };
    Module.digitlabJobsPump = { channel: ch, running: false };
  }
  if (Module.digitlabJobsPump.running) return;
  Module.digitlabJobsPump.running = true;
  Module.digitlabJobsPump.channel.port2.postMessage(0);
});
// Every copy into the heap checks _malloc's answer (0 when the heap cannot grow: issue 12,
// finding 6) and the size first: a file larger than the page reads gets a sentence, never a
// RangeError or a write from address 0.
EM_JS(void, js_install_api, (double max_model_bytes), {
  var mb = function(n) { return (n / 1048576).toFixed(1) + " MB"; };
  // Copies each item (a string, as UTF-8 with its terminating 0, or a Uint8Array) into the heap,
  // calls fn with their pointers in the same order, and frees them. Returns { value } with fn's
  // answer, or { noRoom: bytes } without calling fn when malloc has no room for an item.
  var withHeap = function(items, fn) {
    var ptrs = [], value, missing = 0;
    for (var i = 0; i < items.length && !missing; i++) {
      var it = items[i];
      var n = typeof it === "string" ? lengthBytesUTF8(it) + 1 : Math.max(1, it.length);
      var p = _malloc(n);
      if (!p) { missing = n; break; }
      if (typeof it === "string") stringToUTF8(it, p, n); else HEAPU8.set(it, p);
      ptrs.push(p);
    }
    if (!missing) value = fn.apply(null, ptrs);
    for (var j = 0; j < ptrs.length; j++) _free(ptrs[j]);
    return missing ? { noRoom: missing } : { value: value };
  };
  var noRoom = function(n) {
    return "the page has no room for " + mb(n) + " more (its memory is full: reload the page, or use a smaller file)";
  };
  var mnistFailed = false;
  var api = {
    maxModelBytes: max_model_bytes,
    tooLarge: function(n) { return "it is " + mb(n) + "; model files of at most " + mb(max_model_bytes) + " are read"; },
    state: function() { return JSON.parse(UTF8ToString(_digitlab_api_state_json())); },
    // The WebAssembly heap: its size and the bytes malloc hands out (for the soak test).
    memory: function() { return { heapBytes: _digitlab_api_heap_bytes(), mallocBytes: _digitlab_api_malloc_bytes() }; },
    clear: function() { _digitlab_api_clear(); },
    undo: function() { _digitlab_api_undo(); },
    setClassroom: function(on) { _digitlab_api_set_classroom(on ? 1 : 0); },
    // Says why a model file was not loaded (the current model stays); returns loadModel's answer.
    modelProblem: function(name, why) {
      withHeap([String(name || "model file"), String(why)], _digitlab_api_model_problem);
      var error = api.state().modelError;
      return { ok: false, error: error || ("Could not load " + name + ": " + why) };
    },
    loadModel: function(bytes, name) {
      var label = String(name || "model file");
      var data;
      try {
        data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
      } catch (e) {
        return api.modelProblem(label, "its bytes could not be read (" + (e && e.message ? e.message : e) + ")");
      }
      if (data.length > max_model_bytes) return api.modelProblem(label, api.tooLarge(data.length));
      var r = withHeap([data, label], function(p, q) { return _digitlab_api_load_model(p, data.length, q); });
      if (r.noRoom) return api.modelProblem(label, noRoom(r.noRoom));
      return r.value ? { ok: true, error: null } : { ok: false, error: api.state().modelError };
    },
    trainStart: function(options) {
      var r = withHeap([JSON.stringify(options || {})], function(p) { return UTF8ToString(_digitlab_api_train_start(p)); });
      if (r.noRoom) return { ok: false, error: "train.start: " + noRoom(r.noRoom) };
      return r.value ? { ok: false, error: r.value } : { ok: true, error: null };
    },
    trainPause: function() { _digitlab_api_train_pause(); },
    trainResume: function() { _digitlab_api_train_resume(); },
    trainReset: function() { _digitlab_api_train_reset(); },
    trainEvaluate: function(count) { _digitlab_api_train_evaluate(count | 0); },
    trainStep: function() { _digitlab_api_train_step(); },
    trainUseOnPad: function(on) { _digitlab_api_train_use_on_pad(on ? 1 : 0); },
    trainSetThreads: function(n) { _digitlab_api_train_set_threads(n | 0); },
    trainCompare: function(options) {
      var o = Object.assign({}, options || {});
      o.compare = true;
      return api.trainStart(o);
    },
    mnistProgress: function(received, total) { _digitlab_api_mnist_progress(received, total); },
    mnistFile: function(which, bytes) {
      var r = withHeap([bytes], function(p) { _digitlab_api_mnist_file(which, p, bytes.length); });
      if (r.noRoom) mnistFailed = true;
      return !r.noRoom;
    },
    mnistDone: function(error, missing) {
      var text = String(error || "");
      if (!text && mnistFailed) text = "The MNIST images do not fit in this page's memory; reload the page to free it and press Start again.";
      mnistFailed = false;
      withHeap([text], function(p) { _digitlab_api_mnist_done(p, missing ? 1 : 0); });
    }
  };
  Module.digitlabApi = api;
  Module.digitlabWithHeap = withHeap;  // for the Layers view's API (layer_api_web.cpp)
});
// clang-format on

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* digitlab_api_state_json() {
  app::TrainingTurn turn(g_state->training.trainer);
  app::write_state_json(*g_state, &g_state->json);
  return g_state->json.c_str();
}

EMSCRIPTEN_KEEPALIVE double digitlab_api_heap_bytes() { return static_cast<double>(emscripten_get_heap_size()); }

EMSCRIPTEN_KEEPALIVE double digitlab_api_malloc_bytes() {
  const struct mallinfo mi = mallinfo();
  return static_cast<double>(mi.uordblks);
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

EMSCRIPTEN_KEEPALIVE void digitlab_api_model_problem(const char* name, const char* why) {
  app::refuse_model(*g_state, name, why);
}

EMSCRIPTEN_KEEPALIVE int digitlab_api_load_model(const uint8_t* bytes, int size, const char* name) {
  const dl::Status st = app::load_model_bytes(*g_state, bytes, static_cast<size_t>(size), name);
  app::predict_now(*g_state);
  return st.ok() ? 1 : 0;
}

// Training (window.digitlab.train). Returns "" or the sentence saying why it did not start. The
// options are typed and range-checked (train_options.h): a wrong value is that sentence.
EMSCRIPTEN_KEEPALIVE const char* digitlab_api_train_start(const char* options_json) {
  app::TrainingTurn turn(g_state->training.trainer);
  static std::string error;
  error.clear();
  app::TrainOptions o = g_state->training.panel.edit;
  bool compare = false, include_r2 = false;
  dl::Status st = app::parse_train_options(options_json, &o, &compare, &include_r2);
  if (!st.ok()) {
    error = st.message();
    return error.c_str();
  }
  if (compare) {
    app::training_compare(*g_state, o, include_r2);
    return error.c_str();
  }
  st = app::training_start(*g_state, o);
  if (!st.ok()) error = st.message();
  return error.c_str();
}

EMSCRIPTEN_KEEPALIVE int digitlab_train_between_frames(double slice_ms) {
  app::TrainingTurn turn(g_state->training.trainer);
  app::State& s = *g_state;
  const bool more = app::training_between_frames(s, slice_ms);
  if (!more) s.training.between_frames = false;  // the next run starts the pump again
  return more ? 1 : 0;
}

EMSCRIPTEN_KEEPALIVE int digitlab_jobs_between_frames(double slice_ms) {
  app::JobRunner& jobs = g_state->layers.jobs;
  const bool more = jobs.Pump(slice_ms);
  if (!more) jobs.between_frames = false;  // the next job starts the pump again
  return more ? 1 : 0;
}

// The train.* actions, one export each.
EMSCRIPTEN_KEEPALIVE void digitlab_api_train_pause() {
  app::TrainingTurn turn(g_state->training.trainer);
  app::training_pause(*g_state);
}
EMSCRIPTEN_KEEPALIVE void digitlab_api_train_resume() {
  app::TrainingTurn turn(g_state->training.trainer);
  app::training_resume(*g_state);
}
EMSCRIPTEN_KEEPALIVE void digitlab_api_train_reset() {
  app::TrainingTurn turn(g_state->training.trainer);
  app::training_reset(*g_state);
}
EMSCRIPTEN_KEEPALIVE void digitlab_api_train_evaluate(int count) {
  app::TrainingTurn turn(g_state->training.trainer);
  app::training_evaluate(*g_state, count);
}
EMSCRIPTEN_KEEPALIVE void digitlab_api_train_step() {
  app::TrainingTurn turn(g_state->training.trainer);
  app::training_step(*g_state);
}
EMSCRIPTEN_KEEPALIVE void digitlab_api_train_use_on_pad(int on) {
  {
    app::TrainingTurn turn(g_state->training.trainer);
    app::training_use_on_pad(*g_state, on != 0);
  }
  app::predict_now(*g_state);
}
EMSCRIPTEN_KEEPALIVE void digitlab_api_train_set_threads(int threads) {
  app::TrainingTurn turn(g_state->training.trainer);
  g_state->training.session.SetThreads(threads);
}

EMSCRIPTEN_KEEPALIVE void digitlab_api_mnist_progress(double received, double total) {
  app::TrainingTurn turn(g_state->training.trainer);
  app::training_data_progress(*g_state, received, total);
}

EMSCRIPTEN_KEEPALIVE void digitlab_api_mnist_file(int which, const uint8_t* bytes, int size) {
  if (which < 0 || which > 3) return;
  g_mnist[which].assign(bytes, bytes + size);
}

// All four files are in (error == ""), or the download failed. Parses them with the engine's IDX
// reader; the browser has decompressed them (this build has no zlib).
EMSCRIPTEN_KEEPALIVE void digitlab_api_mnist_done(const char* error, int missing) {
  app::TrainingTurn turn(g_state->training.trainer);
  app::State& s = *g_state;
  if (error[0] != '\0') {
    app::training_data_failed(s, error, missing != 0);
    return;
  }
  static const char* kNames[4] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                  "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
  dl::IdxArray arrays[4];
  for (int i = 0; i < 4; ++i) {
    std::vector<uint8_t>& b = g_mnist[i];  // decompressed by the browser (loader.js)
    const dl::Status st = dl::parse_idx(b.data(), b.size(), kNames[i], &arrays[i]);
    std::vector<uint8_t>().swap(b);
    if (!st.ok()) return app::training_data_failed(s, st.message(), false);
  }
  dl::Dataset train, test;
  dl::Status st = dl::make_dataset(arrays[0], arrays[1], "the MNIST training files", &train);
  if (st.ok()) st = dl::make_dataset(arrays[2], arrays[3], "the MNIST test files", &test);
  if (!st.ok()) return app::training_data_failed(s, st.message(), false);
  app::training_set_data(s, std::move(train), std::move(test));
}

}  // extern "C"

namespace platform {

namespace {
// The asset's bytes, or false with *problem set when it is larger than max_bytes or the heap has no
// room for it (a probe allocation first: std::vector would abort the program instead).
bool take_asset(const char* key, std::vector<uint8_t>* out, size_t max_bytes, std::string* problem) {
  const int n = js_asset_size(key);
  if (n < 0) return true;
  if (static_cast<size_t>(n) > max_bytes) {
    *problem = "it is " + std::to_string(n >> 20) + " MB, more than the " + std::to_string(max_bytes >> 20) +
               " MB this page reads";
    return false;
  }
  void* probe = std::malloc(static_cast<size_t>(n) + (size_t{1} << 20));
  if (!probe) {
    *problem = "the page has no room for its " + std::to_string(n >> 20) + " MB";
    return false;
  }
  std::free(probe);
  out->resize(static_cast<size_t>(n));
  js_asset_take(key, out->data());
  return true;
}
std::string asset_string(const char* key) {
  char buf[1024];
  js_asset_string(key, buf, sizeof(buf));
  return buf;
}
}  // namespace

void load_assets(int, char**, Assets* out) {
  std::string problem;
  if (!take_asset("font", &out->font, size_t{64} << 20, &problem)) out->font.clear();  // ImGui's own font then
  out->model_name = asset_string("modelName");
  out->problem = asset_string("modelProblem");
  if (!take_asset("model", &out->model, dl::kMaxModelFileBytes, &problem))
    out->problem = "Could not load " + out->model_name + ": " + problem + ". Load a model file to get answers.";
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
  js_install_api(static_cast<double>(dl::kMaxModelFileBytes));
  // Without the MNIST files next to the page, the Train view says how to add them.
  s->training.mnist_missing = asset_string("mnistMissing");
  // A training run kept in browser storage (IndexedDB, see loader.js) comes back paused. One that
  // cannot be restored, in any way, is removed and the Train view says so (issue 12, finding 7):
  // refused here, or (an abort) found by loader.js's "restoring" mark at the next start.
  std::string problem = asset_string("savedRunProblem");
  std::string why;
  std::vector<uint8_t> run;
  if (!take_asset("savedRun", &run, dl::kMaxModelFileBytes, &why)) {
    js_store_run(nullptr, 0);
    problem = "The training run kept in this browser could not be restored (" + why + "), so it was removed.";
  } else if (!run.empty()) {
    const dl::Status st = app::training_restore(*s, run.data(), run.size());
    if (!st.ok()) {
      js_store_run(nullptr, 0);
      problem =
          "The training run kept in this browser could not be restored (" + st.message() + "), so it was removed.";
    }
  }
  js_restore_done();
  if (!problem.empty()) app::training_notice(*s, problem);
  app::install_layer_api(s);  // window.digitlab.layers
  // My digits kept in this browser (loader.js read them from IndexedDB): bytes that cannot be read
  // leave the collection empty with a sentence (mine_restore), and are replaced at the next change.
  std::vector<uint8_t> digits;
  std::string digits_problem;
  if (!take_asset("myDigits", &digits, dl::kMyDigitsMaxBytes, &digits_problem)) {
    digits.clear();
    s->mine.error = "The digits kept in this browser could not be read (" + digits_problem + "), so My digits starts empty.";
  }
  app::install_mine_api(s, digits.data(), digits.size());  // window.digitlab.mine
}

void frame_presented(app::State& s) {
  if (s.frame == 1) js_first_frame();
  app::Training& t = s.training;
  // Without the training thread the session is the frame loop's alone; with it, only saving the run
  // reads the session here, so only that takes a turn (a drawn frame does not wait for a slice).
  if (!t.trainer.active() && !t.between_frames &&
      (t.session.status() == app::TrainingSession::Status::Running || t.session.Evaluating())) {
    t.between_frames = true;
    js_start_training_pump(kTrainingSliceMs);
  }
  // The Layers view's jobs without threads: between frames too (with threads they have their own).
  app::JobRunner& jobs = s.layers.jobs;
  if (!app::JobRunner::Threaded() && !jobs.between_frames && (s.layers.JobsBusy() || app::mine_busy(s))) {
    jobs.between_frames = true;
    js_start_jobs_pump(app::JobRunner::kFrameSliceMs);
  }
  if (t.want_data) {
    t.want_data = false;
    js_fetch_mnist();
  }
  app::mine_frame_presented(s);  // My digits: storage, export, the import picker
  if (!t.download.empty()) {
    js_offer_download(t.download.data(), static_cast<int>(t.download.size()), t.download_name.c_str());
    std::vector<uint8_t>().swap(t.download);
  }
  if (t.forget_run) {
    t.forget_run = t.save_run = false;
    js_store_run(nullptr, 0);
  }
  if (t.save_run) {
    t.save_run = false;
    app::TrainingTurn turn(t.trainer);
    const std::vector<uint8_t> bytes = t.session.SaveBytes();
    if (!bytes.empty()) js_store_run(bytes.data(), static_cast<int>(bytes.size()));
  }
}

void idle() {}  // the browser calls the loop again at the next animation frame

int merged_moves(float x, float y, int win_w, int win_h, float* xy, int cap) {
  return cap > 0 ? js_take_merged(x, y, win_w, win_h, xy, cap) : 0;
}

}  // namespace platform
