// model_io.h — model files in the safetensors format: an 8-byte little-endian header length, a JSON
// header {"name": {"dtype":"F32","shape":[...],"data_offsets":[begin,end]}, ..., "__metadata__":
// {string: string}}, then the raw little-endian tensor bytes. DigitLab writes the architecture spec
// and training facts into __metadata__, so `safetensors.torch.load_file` opens its files as they are.
//
// Loading validates everything before touching the model: header length against the file size,
// the JSON, dtypes, shapes against the spec, offsets inside the data area, no overlaps, no
// missing or extra tensors. A bad file yields a message and leaves the target model as it was.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model.h"
#include "optimizer.h"
#include "resources.h"
#include "status.h"

namespace dl {

// A generic safetensors file in memory (F32 tensors only are kept as floats; DigitLab only writes F32).
struct SafeTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};
struct SafeTensorsFile {
  std::map<std::string, std::string> metadata;
  std::map<std::string, SafeTensor> tensors;
};

// What the reader accepts (README, "Limits"): DigitLab's own headers are a few KiB and its largest
// networks have a few hundred tensors of at most 4 dimensions.
constexpr uint64_t kMaxHeaderBytes = uint64_t{16} << 20;  // the JSON header (Python's package: 100 MB)
constexpr size_t kMaxTensors = 2048;                      // tensors in one file
constexpr size_t kMaxTensorDims = 8;                      // dimensions of one tensor
constexpr size_t kMaxHeaderValues = 65536;                // JSON values (keys, numbers, strings) in the header

// Parses bytes; refuses anything malformed with a message and leaves *out unchanged. Nothing is
// allocated from a length in the file before it is checked against the bytes present: the tensors
// take at most the input size, the JSON header its own length plus a tree of at most
// kMaxHeaderValues values (whatever the header's length), built in one pass.
Status parse_safetensors(const uint8_t* bytes, size_t size, SafeTensorsFile* out);
// Writes the bytes the Python package writes for the same tensors: __metadata__ first (omitted
// when empty), tensors in name order, the header padded with spaces to a multiple of 8 bytes.
std::vector<uint8_t> serialize_safetensors(const SafeTensorsFile& file);

// Model <-> file. Tensors are named after the layers' tensors ("conv1.weight", "bn1.running_mean").
// metadata gets "format" = "digitlab", "spec" = the canonical spec, plus `extra` (training facts).
// An optimizer, when given, is stored too ("optimizer.m.<tensor>", "optimizer.v.<tensor>" for the
// moment blocks it uses; metadata "optimizer" = its name, "optimizer_steps") so training can resume.
// save_model_file writes temporary_path(path) and renames it over path: a crash never leaves a
// half-written model. It refuses (and keeps the file that was there) a model or optimizer state
// holding NaN or infinite values.
std::vector<uint8_t> save_model_bytes(const Model& model, const std::map<std::string, std::string>& extra,
                                      const Optimizer* opt = nullptr);
Status save_model_file(const std::string& path, const Model& model, const std::map<std::string, std::string>& extra,
                       const Optimizer* opt = nullptr);
// Builds the model named by the file's spec and loads its weights; *out is replaced only on success.
// Before anything is built, the spec is parsed, the values the file holds are counted against the
// parameters and statistics the spec has, and the model's memory at batch 1 is checked against
// budget_bytes (resources.h): a small file cannot make this allocate more than the budget.
// load_model_bytes reads the tensors from `bytes` in place (no copy of the file).
Status load_model_bytes(const uint8_t* bytes, size_t size, Model* out,
                        std::map<std::string, std::string>* metadata = nullptr,
                        uint64_t budget_bytes = kDefaultBudgetBytes);
Status load_model_file(const std::string& path, Model* out, std::map<std::string, std::string>* metadata = nullptr,
                       uint64_t budget_bytes = kDefaultBudgetBytes);
// The same from an already parsed file (e.g. a checkpoint that load_optimizer_state reads too).
// Tensors named "optimizer.*" are ignored here; any other tensor the architecture lacks is refused.
Status model_from_safetensors(const SafeTensorsFile& file, Model* out, uint64_t budget_bytes = kDefaultBudgetBytes);
// Resumes training: copies the moments saved by save_model_bytes(..., opt) into *opt, which must be
// constructed for `model` with the same optimizer kind (metadata "optimizer"), and sets its step
// count from metadata "optimizer_steps". Moment blocks that *opt does not use (e.g. v for SGD) are
// skipped. On any error (no optimizer state, another kind, a missing tensor) *opt is unchanged.
Status load_optimizer_state(const SafeTensorsFile& file, const Model& model, Optimizer* opt);

// load_model_file's size limit: far above any DigitLab model with its optimizer state.
constexpr size_t kMaxModelFileBytes = size_t{256} << 20;

// The first tensor of `model` (or, with opt, of its moments: "optimizer.m.fc1.weight") that holds a
// NaN or an infinity, or "" when all are finite. Checked before any checkpoint or snapshot is kept.
std::string first_non_finite(const Model& model, const Optimizer* opt = nullptr);

// Where save_model_file writes before renaming: "<path>.<process id>.tmp", unique to the process.
std::string temporary_path(const std::string& path);

// Reads a whole file with a size limit (refuses larger files with a message).
Status read_file_bytes(const std::string& path, size_t max_size, std::vector<uint8_t>* out);

}  // namespace dl
