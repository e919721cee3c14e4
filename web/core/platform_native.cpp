// platform_native.cpp — the desktop side of platform.h: the default model and font are files,
// found next to the program (<bin>/assets/) or at the paths CMake compiled in; `--model PATH`
// chooses another model. No file picker: the app shows a path field, and files dropped on the
// window are loaded by main.cpp.
#include <SDL.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "app_state.h"
#include "dataset.h"
#include "model_io.h"
#include "platform.h"

#ifndef DIGITLAB_MODEL_FILE
#define DIGITLAB_MODEL_FILE ""
#endif
#ifndef DIGITLAB_FONT_FILE
#define DIGITLAB_FONT_FILE ""
#endif

namespace platform {

namespace {

// Reads the first of the candidate paths that exists; returns its path or "".
std::string read_first(const std::vector<std::string>& paths, size_t limit, std::vector<uint8_t>* out) {
  for (const std::string& p : paths) {
    if (p.empty()) continue;
    if (dl::read_file_bytes(p, limit, out).ok()) return p;
  }
  return "";
}

std::string base_path() {
  char* b = SDL_GetBasePath();
  std::string s = b ? b : "";
  SDL_free(b);
  return s;
}

}  // namespace

void load_assets(int argc, char** argv, Assets* out) {
  std::string model_arg;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--model") == 0) model_arg = argv[i + 1];
  }
  const std::string base = base_path();
  read_first({base + "assets/DejaVuSans.ttf", DIGITLAB_FONT_FILE}, size_t(16) << 20, &out->font);
  if (out->font.empty()) std::fprintf(stderr, "digitlab-app: no UI font found, using ImGui's built-in font\n");
  const std::vector<std::string> model_paths =
      model_arg.empty() ? std::vector<std::string>{base + "assets/digitlab.safetensors", DIGITLAB_MODEL_FILE}
                        : std::vector<std::string>{model_arg};
  const std::string found = read_first(model_paths, size_t(256) << 20, &out->model);
  if (found.empty()) {
    out->problem = model_arg.empty() ? "The default model file was not found; load one with \"Load model\"."
                                     : "Could not read " + model_arg + ".";
  } else {
    const size_t slash = found.find_last_of('/');
    out->model_name = slash == std::string::npos ? found : found.substr(slash + 1);
  }
}

void set_gl_attributes() {
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, SDL_GL_CONTEXT_FORWARD_COMPATIBLE_FLAG);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 2);
}

const char* glsl_version() { return "#version 150"; }

bool has_file_picker() { return false; }
void open_file_picker() {}
void start(app::State* s) {
  // The Layers view's gallery and top images: the MNIST test set from $MNIST_DIR, when it is there
  // (the browser fetches the same files from the page's mnist/ folder instead).
  const char* dir = std::getenv("MNIST_DIR");
  if (dir == nullptr || *dir == '\0') return;
  std::vector<uint8_t> images, labels;
  const std::string d = dir;
  dl::Status st = dl::read_file_bytes(d + "/t10k-images-idx3-ubyte.gz", size_t(64) << 20, &images);
  if (st.ok()) st = dl::read_file_bytes(d + "/t10k-labels-idx1-ubyte.gz", size_t(1) << 20, &labels);
  if (st.ok()) st = s->layers.test.Load(images.data(), images.size(), labels.data(), labels.size());
  if (!st.ok()) s->layers.test.problem = "No test images from MNIST_DIR: " + st.message();
}
// The Train view's requests: the MNIST files from MNIST_DIR (read at once: the desktop has them on
// disk), and a trained model "downloaded" into the current directory. Browser storage of the run
// has no desktop counterpart.
void frame_presented(app::State& s) {
  app::Training& t = s.training;
  if (t.want_data) {
    t.want_data = false;
    app::TrainingTurn turn(t.trainer);  // the data goes into the session
    const char* dir = std::getenv("MNIST_DIR");
    dl::Dataset train, test;
    dl::Status st = dir ? dl::load_mnist(dir, "train", &train)
                        : dl::Status::Error(
                              "Training needs the MNIST files: set MNIST_DIR to their folder (scripts/get_mnist.sh "
                              "downloads them) and start the app again.");
    if (st.ok()) st = dl::load_mnist(dir, "test", &test);
    if (st.ok()) app::training_set_data(s, std::move(train), std::move(test));
    else app::training_data_failed(s, st.message(), dir == nullptr);
  }
  if (!t.download.empty()) {
    FILE* f = std::fopen(t.download_name.c_str(), "wb");
    if (f) {
      std::fwrite(t.download.data(), 1, t.download.size(), f);
      std::fclose(f);
      std::printf("digitlab-app: wrote %s\n", t.download_name.c_str());
    }
    std::vector<uint8_t>().swap(t.download);
  }
  t.save_run = t.forget_run = false;
  // My digits on the desktop live in memory for the session (no browser storage; a file under the
  // user's config folder would be the counterpart, not built). Export writes the IDX pair,
  // uncompressed, into the current directory, as a downloaded model is; Import has no picker here.
  app::Mine& m = s.mine;
  m.store = m.want_import = false;
  if (m.want_export) {
    m.want_export = false;
    const std::pair<const char*, std::vector<uint8_t>> files[] = {
        {"my-digits-images-idx3-ubyte", m.digits.idx_images()}, {"my-digits-labels-idx1-ubyte", m.digits.idx_labels()}};
    for (const auto& f : files) {
      FILE* out = std::fopen(f.first, "wb");
      if (!out) continue;
      std::fwrite(f.second.data(), 1, f.second.size(), out);
      std::fclose(out);
      std::printf("digitlab-app: wrote %s\n", f.first);
    }
  }
}

void idle() { SDL_WaitEventTimeout(nullptr, 100); }  // sleep until input (or 100 ms)

int merged_moves(float, float, int, int, float*, int) { return 0; }

}  // namespace platform
