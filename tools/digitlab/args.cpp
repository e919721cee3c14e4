// args.cpp — see args.h.
#include "args.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace digitlab {

namespace {

const OptionDef* find_def(const std::vector<OptionDef>& defs, const std::string& name) {
  for (const OptionDef& d : defs)
    if (name == d.name) return &d;
  return nullptr;
}

}  // namespace

std::string shell_quote(const std::string& word) {
  if (word.empty()) return "''";
  bool plain = true;
  for (char c : word)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./=:,+@%", c))) plain = false;
  if (plain) return word;
  std::string q = "'";
  for (char c : word) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The last component of a path ("x.safetensors" of "/home/me/x.safetensors"; "." for "/").
static std::string last_component(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  return name.empty() ? "." : name;
}

bool Args::parse(const std::string& command, const std::vector<OptionDef>& defs, int argc, char** argv, int first) {
  command_line_ = "digitlab " + command;
  // Recorded as parsed: an option's value that is a path keeps its last component only.
  auto record = [&](const std::string& word) { command_line_ += " " + shell_quote(word); };
  auto record_option = [&](const OptionDef& d, const std::string& value) {
    record(std::string("--") + d.name);
    const std::string placeholder = d.value ? d.value : "";
    if (std::string(d.name) == "data") command_line_ += " $MNIST_DIR";
    else if (placeholder == "FILE" || placeholder == "DIR") record(last_component(value));
    else record(value);
  };

  bool options_done = false;
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    if (options_done || a.size() < 2 || a[0] != '-') {
      positional_.push_back(a);
      record(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      record(a);
      continue;
    }
    if (a == "--help" || a == "-h") {
      help_ = true;
      record(a);
      continue;
    }
    if (a[1] != '-') {
      fail("unknown option '" + a + "' for 'digitlab " + command + "' (options are spelt --name; see digitlab " +
           command + " --help)");
      return false;
    }
    std::string name = a.substr(2), value;
    const size_t eq = name.find('=');
    const bool has_eq = eq != std::string::npos;
    if (has_eq) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const OptionDef* d = find_def(defs, name);
    if (!d) {
      fail("unknown option '--" + name + "' for 'digitlab " + command + "' (see digitlab " + command + " --help)");
      return false;
    }
    if (!d->value) {
      if (has_eq) {
        fail("--" + name + " takes no value");
        return false;
      }
      values_[name] = "1";
      record(a);
      continue;
    }
    if (!has_eq) {
      if (i + 1 >= argc) {
        fail("--" + name + " needs a value (" + d->value + ")");
        return false;
      }
      value = argv[++i];
    }
    values_[name] = value;
    record_option(*d, value);
  }
  return true;
}

std::string Args::text(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

void Args::set_default(const std::string& name, const std::string& value, const std::string& origin) {
  if (values_.count(name)) return;
  values_[name] = value;
  if (!origin.empty()) origins_[name] = origin;
}

std::string Args::where(const std::string& name) const {
  auto it = origins_.find(name);
  return it == origins_.end() ? "--" + name : it->second + "'s --" + name;  // "the checkpoint's --batch"
}

bool Args::get_int(const std::string& name, int64_t lo, int64_t hi, int* out) {
  auto it = values_.find(name);
  if (it == values_.end()) return true;
  const std::string& s = it->second;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno == ERANGE) {
    fail(where(name) + " expects a whole number, got '" + s + "'");
    return false;
  }
  if (v < lo || v > hi) {
    fail(where(name) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + s);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

bool Args::get_u64(const std::string& name, uint64_t* out) {
  auto it = values_.find(name);
  if (it == values_.end()) return true;
  const std::string& s = it->second;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (s.empty() || s[0] == '-' || *end != '\0' || errno == ERANGE) {
    fail(where(name) + " expects a non-negative whole number, got '" + s + "'");
    return false;
  }
  *out = v;
  return true;
}

bool Args::get_float(const std::string& name, double lo, double hi, float* out) {
  auto it = values_.find(name);
  if (it == values_.end()) return true;
  const std::string& s = it->second;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v)) {
    fail(where(name) + " expects a number, got '" + s + "'");
    return false;
  }
  if (v < lo || v > hi) {
    char buf[160];
    std::snprintf(buf, sizeof buf, " must be between %g and %g, got %s", lo, hi, s.c_str());
    fail(where(name) + buf);
    return false;
  }
  *out = static_cast<float>(v);
  return true;
}

void print_help(FILE* f, const char* usage, const char* summary, const std::vector<OptionDef>& defs) {
  std::fprintf(f, "usage: %s\n\n%s\n", usage, summary);
  if (defs.empty()) return;
  std::fprintf(f, "\noptions:\n");
  for (const OptionDef& d : defs) {
    std::string left = std::string("  --") + d.name + (d.value ? std::string(" ") + d.value : "");
    if (left.size() < 26) left.resize(26, ' ');
    else left += "  ";
    std::string right = d.help;
    if (d.default_text && *d.default_text) right += std::string(" (default ") + d.default_text + ")";
    std::fprintf(f, "%s%s\n", left.c_str(), right.c_str());
  }
  std::fprintf(f, "  --help                  this page\n");
}

}  // namespace digitlab
