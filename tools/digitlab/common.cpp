// common.cpp — see common.h.
#include "common.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "model_io.h"

namespace digitlab {

int begin_command(const CommandDef& def, int argc, char** argv, int first, Args* args) {
  if (!args->parse(def.name, def.options, argc, argv, first)) return usage_error(def.name, args->error());
  if (args->help()) {
    print_help(stdout, def.usage, def.summary, def.options);
    return kExitOk;
  }
  return -1;
}

int usage_error(const std::string& command, const std::string& sentence) {
  std::fprintf(stderr, "digitlab %s: %s\n", command.c_str(), sentence.c_str());
  return kExitUsage;
}

int runtime_error(const std::string& command, const std::string& sentence) {
  std::fprintf(stderr, "digitlab %s: %s\n", command.c_str(), sentence.c_str());
  return kExitRuntime;
}

bool data_dir(const Args& args, std::string* dir, std::string* error) {
  if (args.given("data")) {
    *dir = args.text("data");
    if (dir->empty()) {
      *error = "--data needs a directory";
      return false;
    }
    return true;
  }
  const char* env = std::getenv("MNIST_DIR");
  if (env && *env) {
    *dir = env;
    return true;
  }
  *error =
      "no MNIST folder given: pass --data DIR or set MNIST_DIR to a folder with the four MNIST files "
      "(train-images-idx3-ubyte.gz, ..., t10k-labels-idx1-ubyte.gz; see README, 'Getting MNIST')";
  return false;
}

bool load_split(const std::string& command, const std::string& dir, const std::string& split, dl::Dataset* out) {
  dl::Status s = dl::load_mnist(dir, split, out);
  if (!s) {
    runtime_error(command, s.message());
    return false;
  }
  return true;
}

bool load_model(const std::string& command, const std::string& path, dl::Model* model,
                std::map<std::string, std::string>* metadata) {
  dl::Status s = dl::load_model_file(path, model, metadata);
  if (!s) {
    runtime_error(command, s.message());
    return false;
  }
  return true;
}

double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

std::string utc_date() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string duration_text(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "--:--";
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

std::string percent_text(double fraction, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f%%", decimals, 100.0 * fraction);
  return buf;
}

std::string format_float(double v, const char* fmt) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

}  // namespace digitlab
