// model_io.cpp — safetensors reading and writing, and models (plus optimizer state) to and from it.
//
// The format, as the Python `safetensors` package writes and checks it:
//   bytes [0, 8)        N, the header length, unsigned 64-bit little-endian
//   bytes [8, 8 + N)    a UTF-8 JSON object, padded with spaces so that 8 + N is a multiple of 8:
//                       {"__metadata__": {"key": "value", ...},            (optional, strings only)
//                        "name": {"dtype": "F32", "shape": [d0, d1, ...],
//                                 "data_offsets": [begin, end]}, ...}
//   bytes [8 + N, end)  the data area; a tensor's bytes are [begin, end) relative to its start.
// The tensors must tile the data area exactly: sorted by offset, each begins where the previous
// one ended, the last ends at the end of the file (the package refuses gaps and trailing bytes).
//
// The parser trusts nothing in the file: every length is checked against the bytes present before
// anything is allocated, so a malicious header cannot make it allocate more than a small multiple
// of the input size. The engine is built without exceptions, so every JSON value's type is checked
// before it is read (nlohmann::json's get<> would abort on a wrong type).
#include "model_io.h"

#include <nlohmann/json.hpp>

#include "numbers.h"
#include "resources.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sys/stat.h>
#if !defined(_WIN32)
#include <unistd.h>  // fsync
#endif

namespace dl {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "model_io.cpp copies F32 tensors with memcpy and needs a little-endian host");
static_assert(sizeof(float) == 4, "F32 tensors are 4-byte IEEE floats");

namespace {

using json = nlohmann::json;

constexpr const char* kOptimizerPrefix = "optimizer.";

std::string shape_str(const std::vector<int64_t>& shape) {  // "[32, 1, 5, 5]"
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}
std::vector<int64_t> to_int64(const std::vector<int>& shape) { return {shape.begin(), shape.end()}; }

// The entry of one tensor in the header, validated but not yet read.
struct Entry {
  std::string name;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // bytes, relative to the data area
};

// Reads one header entry (the value of a tensor's key). `data_size` is the size of the data area.
Status read_entry(const std::string& name, const json& v, uint64_t data_size, Entry* e) {
  const std::string t = "tensor '" + name + "'";
  if (!v.is_object())
    return Status::Error(t + " in the safetensors header is not an object with dtype, shape and data_offsets");
  auto dt = v.find("dtype"), sh = v.find("shape"), of = v.find("data_offsets");
  if (dt == v.end() || sh == v.end() || of == v.end())
    return Status::Error(t + " lacks " +
                         std::string(dt == v.end()   ? "dtype"
                                     : sh == v.end() ? "shape"
                                                     : "data_offsets") +
                         " in the safetensors header");
  if (!dt->is_string()) return Status::Error(t + " has a dtype that is not a string");
  const std::string& dtype = dt->get_ref<const std::string&>();
  if (dtype != "F32") return Status::Error(t + " has dtype " + dtype + "; DigitLab reads F32 only");

  if (!sh->is_array()) return Status::Error(t + " has a shape that is not a list of dimensions");
  e->name = name;
  e->shape.clear();
  uint64_t count = 1;
  bool overflow = false;
  if (sh->size() > kMaxTensorDims)
    return Status::Error(t + " has " + std::to_string(sh->size()) + " dimensions; at most " +
                         std::to_string(kMaxTensorDims) + " are read");
  for (const json& d : *sh) {
    if (d.is_number_integer() && !d.is_number_unsigned())
      return Status::Error(t + " has a negative dimension in its shape");
    if (!d.is_number_unsigned()) return Status::Error(t + " has a shape dimension that is not a non-negative integer");
    uint64_t n = d.get<uint64_t>();
    if (n > static_cast<uint64_t>(INT64_MAX)) return Status::Error(t + " has a shape dimension that is too large");
    e->shape.push_back(static_cast<int64_t>(n));
    if (__builtin_mul_overflow(count, n, &count)) overflow = true;
  }
  // A zero dimension makes the product 0 even after an overflow of the others.
  bool empty = std::find(e->shape.begin(), e->shape.end(), 0) != e->shape.end();
  if (empty) count = 0, overflow = false;
  uint64_t bytes = 0;
  if (overflow || __builtin_mul_overflow(count, uint64_t{4}, &bytes))
    return Status::Error(t + " has shape " + shape_str(e->shape) + ", whose size overflows");

  if (!of->is_array() || of->size() != 2 || !(*of)[0].is_number_unsigned() || !(*of)[1].is_number_unsigned())
    return Status::Error(t + " has data_offsets that are not two non-negative integers [begin, end]");
  e->begin = (*of)[0].get<uint64_t>();
  e->end = (*of)[1].get<uint64_t>();
  const std::string range = "[" + std::to_string(e->begin) + ", " + std::to_string(e->end) + "]";
  if (e->begin > e->end) return Status::Error(t + " has data_offsets " + range + " whose begin is after its end");
  if (e->end > data_size)
    return Status::Error(t + " has data_offsets " + range + " beyond the data area of " + std::to_string(data_size) +
                         " bytes; the file is truncated or damaged");
  if (e->end - e->begin != bytes)
    return Status::Error(t + " has shape " + shape_str(e->shape) + " (" + std::to_string(bytes) +
                         " bytes of F32) but its data_offsets " + range + " span " + std::to_string(e->end - e->begin) +
                         " bytes");
  return Status::Ok();
}

// One tensor of a file as the loader reads it: its shape and its little-endian F32 bytes, either
// in a parsed SafeTensorsFile or still in the file's bytes (not necessarily 4-byte aligned).
struct TensorView {
  const std::vector<int64_t>* shape;
  const uint8_t* bytes;
  uint64_t count;  // floats
};
using TensorIndex = std::map<std::string, TensorView>;

bool all_finite(const uint8_t* p, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    float x;
    std::memcpy(&x, p + 4 * i, 4);
    if (!std::isfinite(x)) return false;
  }
  return true;
}

// Checks that the index holds tensor `name` with exactly `shape` and finite values.
Status check_tensor(const TensorIndex& index, const std::string& name, const std::vector<int>& shape,
                    const std::string& what) {
  auto it = index.find(name);
  if (it == index.end()) return Status::Error(what + " has no tensor '" + name + "'");
  const std::vector<int64_t> want = to_int64(shape);
  if (*it->second.shape != want)
    return Status::Error("tensor '" + name + "' has shape " + shape_str(*it->second.shape) + " in the file, but " +
                         "the architecture needs " + shape_str(want));
  if (!all_finite(it->second.bytes, it->second.count))
    return Status::Error("tensor '" + name + "' holds NaN or infinite values");
  return Status::Ok();
}

void copy_tensor(const TensorIndex& index, const std::string& name, float* dst) {
  const TensorView& v = index.at(name);
  if (v.count) std::memcpy(dst, v.bytes, 4 * v.count);
}

TensorIndex index_of(const SafeTensorsFile& file) {
  TensorIndex index;
  for (const auto& kv : file.tensors)
    index[kv.first] =
        TensorView{&kv.second.shape, reinterpret_cast<const uint8_t*>(kv.second.data.data()), kv.second.data.size()};
  return index;
}

bool is_optimizer_tensor(const std::string& name) {
  return name.compare(0, std::strlen(kOptimizerPrefix), kOptimizerPrefix) == 0;
}

std::string shorten(const std::string& s, size_t n = 80) { return s.size() <= n ? s : s.substr(0, n) + "..."; }

void put_tensor(SafeTensorsFile* file, const std::string& name, const std::vector<int>& shape, const float* src,
                size_t count) {
  SafeTensor& t = file->tensors[name];
  t.shape = to_int64(shape);
  t.data.assign(src, src + count);
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

namespace {

// The header of a file, validated, with each tensor located in the data area but not copied.
struct Header {
  std::map<std::string, std::string> metadata;
  std::vector<Entry> entries;  // sorted by offset; they tile the data area exactly
  const uint8_t* data = nullptr;
};

Status parse_header(const uint8_t* bytes, size_t size, Header* out) {
  assert(out && (bytes || size == 0));
  if (size < 8)
    return Status::Error("the file is " + std::to_string(size) +
                         " bytes long, too short for a safetensors header length; it is truncated or not a model file");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  if (n > kMaxHeaderBytes)
    return Status::Error("the safetensors header length field says " + std::to_string(n) + " bytes, more than the " +
                         std::to_string(kMaxHeaderBytes >> 20) +
                         " MiB limit of DigitLab (its own files have headers of a few KiB); this is not a DigitLab "
                         "model file or it is damaged");
  if (n > size - 8)
    return Status::Error("the safetensors header length field says " + std::to_string(n) + " bytes but only " +
                         std::to_string(size - 8) + " follow; the file is truncated");
  const uint64_t data_size = size - 8 - n;

  // The schema is at most three levels deep (object -> tensor object -> shape array), and what the
  // parser keeps is bounded before it is kept: deeper containers, JSON values beyond
  // kMaxHeaderValues, tensors beyond kMaxTensors and shape lists beyond kMaxTensorDims are
  // discarded while parsing (so no header can grow the JSON tree beyond a few MiB, whatever its
  // length) and then refused. Repeated top-level keys are refused too (the JSON parser would
  // silently keep the last one). The parse itself is one linear pass over the header's bytes.
  bool too_deep = false;
  size_t values = 0, top_keys = 0, list_length = 0;
  int list_depth = -1;  // depth of the elements of the innermost open list of an entry
  std::string duplicate, too_long_list, current;
  std::set<std::string> keys;
  auto callback = [&](int depth, json::parse_event_t ev, json& parsed) {
    using E = json::parse_event_t;
    if (ev == E::object_end || ev == E::array_end) {
      if (ev == E::array_end) list_depth = -1;
      return true;
    }
    if ((ev == E::object_start || ev == E::array_start) && depth >= 3) {
      too_deep = true;
      return false;
    }
    if (++values > kMaxHeaderValues) return false;
    if (ev == E::key && depth == 1 && parsed.is_string()) {
      if (++top_keys > kMaxTensors + 1) return false;
      current = parsed.get_ref<const std::string&>();
      if (duplicate.empty() && !keys.insert(current).second) duplicate = current;
    }
    if (ev == E::array_start) {
      list_depth = depth + 1;
      list_length = 0;
    }
    if (ev != E::key && ev != E::array_start && depth == list_depth && ++list_length > kMaxTensorDims) {
      if (too_long_list.empty()) too_long_list = current;
      return false;
    }
    return true;
  };
  const json header = json::parse(bytes + 8, bytes + 8 + n, callback, /*allow_exceptions=*/false);
  if (header.is_discarded())
    return Status::Error("the safetensors header is not valid JSON; the file is damaged or not a model file");
  if (!header.is_object()) return Status::Error("the safetensors header is JSON but not an object of tensors");
  if (too_deep) return Status::Error("the safetensors header nests deeper than tensors with shapes and offsets");
  if (!too_long_list.empty())
    return Status::Error("tensor '" + too_long_list + "' has a list of more than " + std::to_string(kMaxTensorDims) +
                         " values in the safetensors header (a shape of more than " + std::to_string(kMaxTensorDims) +
                         " dimensions?); DigitLab reads tensors of at most " + std::to_string(kMaxTensorDims) +
                         " dimensions");
  if (top_keys > kMaxTensors + 1)
    return Status::Error("the safetensors header has more than " + std::to_string(kMaxTensors) +
                         " tensors; DigitLab's largest networks have a few hundred");
  if (values > kMaxHeaderValues)
    return Status::Error("the safetensors header holds more than " + std::to_string(kMaxHeaderValues) +
                         " JSON values; a DigitLab model file has a few thousand");
  if (!duplicate.empty()) return Status::Error("the safetensors header names '" + duplicate + "' twice");

  Header h;
  h.data = bytes + 8 + n;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object()) return Status::Error("the safetensors __metadata__ is not an object of strings");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string())
          return Status::Error("the safetensors __metadata__ value of '" + m.key() + "' is not a string");
        h.metadata[m.key()] = m.value().get_ref<const std::string&>();
      }
      continue;
    }
    Entry e;
    Status s = read_entry(it.key(), it.value(), data_size, &e);
    if (!s) return s;
    h.entries.push_back(std::move(e));
  }

  // The tensors must tile the data area: sorted by offset, no overlap, no gap, nothing after.
  std::sort(h.entries.begin(), h.entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end != b.end ? a.end < b.end : a.name < b.name;
  });
  uint64_t pos = 0;
  for (size_t i = 0; i < h.entries.size(); ++i) {
    const Entry& e = h.entries[i];
    if (e.begin < pos)
      return Status::Error("tensors '" + h.entries[i - 1].name + "' and '" + e.name +
                           "' overlap in the data area (data_offsets begin " + std::to_string(e.begin) + " is before " +
                           std::to_string(pos) + ")");
    if (e.begin > pos)
      return Status::Error("the data area has " + std::to_string(e.begin - pos) + " unused bytes before tensor '" +
                           e.name + "' (data_offsets begin " + std::to_string(e.begin) + ", expected " +
                           std::to_string(pos) + ")");
    pos = e.end;
  }
  if (pos != data_size)
    return Status::Error("the data area has " + std::to_string(data_size - pos) +
                         " bytes after the last tensor that no data_offsets cover; the file is damaged");
  *out = std::move(h);
  return Status::Ok();
}

}  // namespace

Status parse_safetensors(const uint8_t* bytes, size_t size, SafeTensorsFile* out) {
  Header h;
  Status s = parse_header(bytes, size, &h);
  if (!s) return s;
  // Everything checked: the total of all tensors is exactly the data area, so this allocates at
  // most the input size.
  SafeTensorsFile file;
  file.metadata = std::move(h.metadata);
  for (const Entry& e : h.entries) {
    SafeTensor& t = file.tensors[e.name];
    t.shape = e.shape;
    t.data.resize((e.end - e.begin) / 4);
    if (!t.data.empty()) std::memcpy(t.data.data(), h.data + e.begin, e.end - e.begin);
  }
  *out = std::move(file);
  return Status::Ok();
}

std::vector<uint8_t> serialize_safetensors(const SafeTensorsFile& file) {
  // Header text written by hand to match the Python package byte for byte: __metadata__ first,
  // then the tensors in name order (std::map order), each {"dtype","shape","data_offsets"}.
  auto quote = [](const std::string& s) { return json(s).dump(-1, ' ', false, json::error_handler_t::replace); };
  std::string h = "{";
  if (!file.metadata.empty()) {
    h += "\"__metadata__\":{";
    bool first = true;
    for (const auto& kv : file.metadata) {
      h += (first ? "" : ",") + quote(kv.first) + ":" + quote(kv.second);
      first = false;
    }
    h += "}";
  }
  uint64_t offset = 0;
  for (const auto& kv : file.tensors) {
    const SafeTensor& t = kv.second;
    size_t count = 1;
    for (int64_t d : t.shape) {
      assert(d >= 0 && "a tensor dimension is negative");
      count *= static_cast<size_t>(d);
    }
    assert(count == t.data.size() && "a tensor's data size differs from the product of its shape");
    (void)count;
    if (h.size() > 1) h += ",";
    h += quote(kv.first) + ":{\"dtype\":\"F32\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i) h += (i ? "," : "") + std::to_string(t.shape[i]);
    const uint64_t end = offset + 4 * static_cast<uint64_t>(t.data.size());
    h += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(end) + "]}";
    offset = end;
  }
  h += "}";
  h.append((8 - h.size() % 8) % 8, ' ');  // pad so that the data area starts 8-byte aligned

  std::vector<uint8_t> out(8 + h.size() + offset);
  const uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
  std::memcpy(out.data() + 8, h.data(), h.size());
  uint8_t* p = out.data() + 8 + h.size();
  for (const auto& kv : file.tensors) {
    const size_t bytes = 4 * kv.second.data.size();
    if (bytes) std::memcpy(p, kv.second.data.data(), bytes);
    p += bytes;
  }
  return out;
}

// ---- models -------------------------------------------------------------------------------------

std::string first_non_finite(const Model& model, const Optimizer* opt) {
  auto bad = [](const std::vector<float>& block, const TensorInfo& t) {
    for (size_t i = t.offset; i < t.offset + t.count; ++i)
      if (!std::isfinite(block[i])) return true;
    return false;
  };
  for (const TensorInfo& t : model.param_tensors())
    if (bad(model.params(), t)) return t.name;
  for (const TensorInfo& t : model.buffer_tensors())
    if (bad(model.buffers(), t)) return t.name;
  if (opt) {
    const struct {
      const char* tag;
      const std::vector<float>& block;
    } blocks[] = {{"m", opt->m()}, {"v", opt->v()}};
    for (const auto& b : blocks) {
      if (b.block.size() != model.params().size()) continue;
      for (const TensorInfo& t : model.param_tensors())
        if (bad(b.block, t)) return std::string(kOptimizerPrefix) + b.tag + "." + t.name;
    }
  }
  return "";
}

std::vector<uint8_t> save_model_bytes(const Model& model, const std::map<std::string, std::string>& extra,
                                      const Optimizer* opt) {
  SafeTensorsFile file;
  file.metadata = extra;
  file.metadata["format"] = "digitlab";
  file.metadata["spec"] = model.spec();
  for (const TensorInfo& t : model.param_tensors())
    put_tensor(&file, t.name, t.shape, model.params().data() + t.offset, t.count);
  for (const TensorInfo& t : model.buffer_tensors())
    put_tensor(&file, t.name, t.shape, model.buffers().data() + t.offset, t.count);
  if (opt) {
    const Optimizer& o = *opt;
    const struct {
      const char* tag;
      const std::vector<float>& block;
    } blocks[] = {{"m", o.m()}, {"v", o.v()}};
    for (const auto& b : blocks) {
      if (b.block.empty()) continue;
      assert(b.block.size() == model.params().size() && "the optimizer was made for another model");
      for (const TensorInfo& t : model.param_tensors())
        put_tensor(&file, std::string(kOptimizerPrefix) + b.tag + "." + t.name, t.shape, b.block.data() + t.offset,
                   t.count);
    }
    file.metadata["optimizer"] = optimizer_name(o.config().kind);
    file.metadata["optimizer_steps"] = std::to_string(o.steps());
  }
  return serialize_safetensors(file);
}

namespace {

// Builds the model named by metadata["spec"] and copies its tensors from the index. Everything
// that can be checked before building is: the spec, the number of values the file holds against
// the parameters and statistics the spec has, and the memory the model takes (resources.h). So a
// small file cannot make this allocate more than the budget, and a refused file allocates nothing.
Status model_from_index(const std::map<std::string, std::string>& metadata, const TensorIndex& index, Model* out,
                        uint64_t budget_bytes) {
  assert(out);
  auto spec = metadata.find("spec");
  if (spec == metadata.end())
    return Status::Error("this safetensors file has no DigitLab architecture spec in __metadata__");
  std::vector<LayerSpec> layers;
  std::string canonical;
  Status s = parse_spec(spec->second, &layers, &canonical);
  if (!s)
    return Status::Error("the file's architecture spec '" + shorten(spec->second) + "' is not valid: " + s.message());
  Resources r;
  const Status fits = plan_resources(layers, 1, 1, Use::Inference, budget_bytes, &r);
  // The file's tensors against the ones the spec's model will have (names, shapes, finite values),
  // and the values it holds against the parameters and statistics the spec has: all before the
  // model is built, so a small file cannot make this allocate.
  std::string problem;
  std::set<std::string> planned;
  const std::string what = "the file (architecture '" + shorten(canonical) + "')";
  for (const PlannedTensor& t : r.tensors) {
    planned.insert(t.name);
    if (problem.empty()) {
      const Status ts = check_tensor(index, t.name, t.shape, what);
      if (!ts) problem = ts.message();
    }
  }
  for (const auto& kv : index) {
    if (!problem.empty()) break;
    if (!planned.count(kv.first) && !is_optimizer_tensor(kv.first))
      problem =
          "tensor '" + shorten(kv.first) + "' in the file is not part of the architecture '" + shorten(canonical) + "'";
  }
  uint64_t held = 0;
  for (const auto& kv : index)
    if (!is_optimizer_tensor(kv.first) && __builtin_add_overflow(held, kv.second.count, &held)) held = UINT64_MAX;
  const uint64_t needed = static_cast<uint64_t>(r.params) + static_cast<uint64_t>(r.buffers);
  if (held != needed)
    return Status::Error("the architecture '" + shorten(canonical) + "' needs " + with_commas(needed) +
                         " parameter values but the file holds " + with_commas(held) +
                         (problem.empty() ? "" : ": " + problem));
  if (!problem.empty()) return Status::Error(problem);
  if (!fits) return Status::Error("its network cannot be loaded: " + fits.message());
  Model tmp;
  s = Model::build(canonical, 0, &tmp, budget_bytes);
  if (!s)
    return Status::Error("the file's architecture spec '" + shorten(spec->second) + "' is not valid: " + s.message());

  // The model has exactly the planned tensors (resources.cpp mirrors Model::build; resources_test
  // holds them together), all of them checked above.
  assert(tmp.param_tensors().size() + tmp.buffer_tensors().size() == r.tensors.size());
  for (const TensorInfo& t : tmp.param_tensors()) copy_tensor(index, t.name, tmp.params().data() + t.offset);
  for (const TensorInfo& t : tmp.buffer_tensors()) copy_tensor(index, t.name, tmp.buffers().data() + t.offset);
  *out = std::move(tmp);
  return Status::Ok();
}

}  // namespace

Status model_from_safetensors(const SafeTensorsFile& file, Model* out, uint64_t budget_bytes) {
  return model_from_index(file.metadata, index_of(file), out, budget_bytes);
}

Status load_optimizer_state(const SafeTensorsFile& file, const Model& model, Optimizer* opt) {
  assert(opt);
  const std::string kind = optimizer_name(opt->config().kind);
  auto name = file.metadata.find("optimizer");
  auto steps = file.metadata.find("optimizer_steps");
  if (name == file.metadata.end() || steps == file.metadata.end())
    return Status::Error("this file holds no optimizer state (no 'optimizer' and 'optimizer_steps' in __metadata__)");
  if (name->second != kind)
    return Status::Error("this file holds the state of the " + name->second + " optimizer, not of " + kind);
  const std::string& st = steps->second;
  char* end = nullptr;
  errno = 0;
  const long long t = st.empty() ? -1 : std::strtoll(st.c_str(), &end, 10);
  if (st.empty() || errno || *end != '\0' || t < 0)
    return Status::Error("the file's optimizer_steps '" + st + "' is not a non-negative integer");

  const TensorIndex index = index_of(file);
  struct Block {
    const char* tag;
    std::vector<float>* dst;
  } blocks[] = {{"m", &opt->m()}, {"v", &opt->v()}};
  for (const Block& b : blocks) {
    if (b.dst->empty()) continue;
    assert(b.dst->size() == model.params().size() && "the optimizer was made for another model");
    for (const TensorInfo& ti : model.param_tensors()) {
      Status s = check_tensor(index, std::string(kOptimizerPrefix) + b.tag + "." + ti.name, ti.shape,
                              "the file's optimizer state");
      if (!s) return s;
    }
  }
  for (const Block& b : blocks) {
    if (b.dst->empty()) continue;
    for (const TensorInfo& ti : model.param_tensors())
      copy_tensor(index, std::string(kOptimizerPrefix) + b.tag + "." + ti.name, b.dst->data() + ti.offset);
  }
  opt->set_steps(t);
  return Status::Ok();
}

Status load_model_bytes(const uint8_t* bytes, size_t size, Model* out, std::map<std::string, std::string>* metadata,
                        uint64_t budget_bytes) {
  // The tensors are read from the bytes in place: a file costs its own size, not twice it.
  Header h;
  Status s = parse_header(bytes, size, &h);
  if (!s) return s;
  TensorIndex index;
  for (const Entry& e : h.entries) index[e.name] = TensorView{&e.shape, h.data + e.begin, (e.end - e.begin) / 4};
  if (!(s = model_from_index(h.metadata, index, out, budget_bytes))) return s;
  if (metadata) *metadata = std::move(h.metadata);
  return Status::Ok();
}

Status load_model_file(const std::string& path, Model* out, std::map<std::string, std::string>* metadata,
                       uint64_t budget_bytes) {
  std::vector<uint8_t> bytes;
  Status s = read_file_bytes(path, kMaxModelFileBytes, &bytes);
  if (!s) return s;
  s = load_model_bytes(bytes.data(), bytes.size(), out, metadata, budget_bytes);
  if (!s) return Status::Error("cannot load '" + path + "': " + s.message());
  return Status::Ok();
}

std::string temporary_path(const std::string& path) {
#if defined(_WIN32)
  const long pid = static_cast<long>(_getpid());
#else
  const long pid = static_cast<long>(::getpid());
#endif
  return path + "." + std::to_string(pid) + ".tmp";
}

Status save_model_file(const std::string& path, const Model& model, const std::map<std::string, std::string>& extra,
                       const Optimizer* opt) {
  // Never a checkpoint that cannot be resumed or loaded: the file that was there stays.
  const std::string bad = first_non_finite(model, opt);
  if (!bad.empty())
    return Status::Error("not writing '" + path + "': tensor '" + bad +
                         "' holds NaN or infinite values (training diverged); the file that was there is kept");
  const std::vector<uint8_t> bytes = save_model_bytes(model, extra, opt);
  // Write a temporary file next to the target and rename it over the target only when complete,
  // so an interrupted save never leaves a half-written model behind. Its name is this process's
  // own (temporary_path), so two runs never write into one, and a stale one can be told apart.
  const std::string tmp = temporary_path(path);
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Status::Error("cannot write '" + tmp + "': " + errno_text());
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = std::fflush(f) == 0 && ok;
#if !defined(_WIN32)
  ok = ok && fsync(fileno(f)) == 0;
#endif
  const std::string err = ok ? "" : errno_text();
  ok = std::fclose(f) == 0 && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    return Status::Error("cannot write '" + tmp + "': " + (err.empty() ? errno_text() : err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string e = errno_text();
    std::remove(tmp.c_str());
    return Status::Error("cannot rename '" + tmp + "' to '" + path + "': " + e);
  }
  return Status::Ok();
}

Status read_file_bytes(const std::string& path, size_t max_size, std::vector<uint8_t>* out) {
  assert(out);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Error("the file '" + path + "' does not exist");
    return Status::Error("cannot open '" + path + "': " + errno_text());
  }
  if (S_ISDIR(st.st_mode)) return Status::Error("'" + path + "' is a directory, not a file");
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > max_size)
    return Status::Error("the file '" + path + "' is " + std::to_string(st.st_size) +
                         " bytes, more than the limit of " + std::to_string(max_size) + " bytes");
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::Error("cannot open '" + path + "': " + errno_text());
  // Read in chunks up to one byte past the limit: the size of pipes and special files is unknown,
  // and a regular file may grow between stat and read.
  constexpr size_t kChunk = size_t{1} << 20;
  std::vector<uint8_t> data;
  if (S_ISREG(st.st_mode)) data.reserve(static_cast<size_t>(st.st_size) + kChunk);  // one read past the end
  bool too_big = false;
  for (;;) {
    const size_t have = data.size();
    data.resize(have + kChunk);
    const size_t got = std::fread(data.data() + have, 1, kChunk, f);
    data.resize(have + got);
    if (data.size() > max_size) {
      too_big = true;
      break;
    }
    if (got < kChunk) break;
  }
  const bool failed = std::ferror(f) != 0;
  const std::string err = failed ? errno_text() : "";
  std::fclose(f);
  if (too_big)
    return Status::Error("the file '" + path + "' is larger than the limit of " + std::to_string(max_size) + " bytes");
  if (failed) return Status::Error("cannot read '" + path + "': " + err);
  *out = std::move(data);
  return Status::Ok();
}

}  // namespace dl
