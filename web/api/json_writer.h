// json_writer.h — the few appenders the automation API's JSON is written with (state_json.cpp,
// training_json.cpp): strings with escapes, numbers (null when not finite), object keys, rectangles.
// Appending to one reused string keeps state() free of allocations once the string has grown.
#pragma once
#include <cmath>
#include <cstdio>
#include <string>

namespace app::json {

inline void str(std::string* out, const std::string& s) {
  out->push_back('"');
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20) {
      char b[8];
      std::snprintf(b, sizeof(b), "\\u%04x", u);
      out->append(b);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

inline void num(std::string* out, double v, const char* fmt = "%.6g") {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), fmt, v);
  out->append(buf);
}

// "key": after a comma unless it opens an object or array.
inline void key(std::string* out, const char* k) {
  if (!out->empty() && out->back() != '{' && out->back() != '[') out->push_back(',');
  out->push_back('"');
  out->append(k);
  out->append("\":");
}

// [f(0),f(1),...,f(n - 1)]: a column of numbers (curves, confusion rows, shapes).
template <typename F>
void array(std::string* out, size_t n, F f, const char* fmt = "%.6g") {
  out->push_back('[');
  for (size_t i = 0; i < n; ++i) {
    if (i) out->push_back(',');
    num(out, static_cast<double>(f(i)), fmt);
  }
  out->push_back(']');
}

template <typename R>
void rect(std::string* out, const R& r) {
  out->append("{\"x\":");
  num(out, r.x);
  out->append(",\"y\":");
  num(out, r.y);
  out->append(",\"width\":");
  num(out, r.w);
  out->append(",\"height\":");
  num(out, r.h);
  out->push_back('}');
}

}  // namespace app::json
