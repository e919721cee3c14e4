// my_digits_app.h — "Teach it your handwriting" on the Draw view: the person's own digits (My
// digits, dl::MyDigits), added by the correction buttons under the answer, kept in the browser,
// exported and imported as the MNIST IDX pair; and Teach it, which fine-tunes the pad's model on
// them (teach_job.h) and puts the taught model on the pad, keeping the previous one for Undo.
//
// The panels (my_digits_panel.h) and the automation API (api/mine_api_web.cpp) call the actions
// below; buttons ask through MineCommands, applied by mine_after_frame after the frame's panels
// have drawn. Requests to the platform (store the digits, export them, open the import picker) are
// flags taken by the platform after the frame, as the Train view's are.
//
// Decisions: a correction (or a confirmation) clears the pad, so the next digit can be drawn at
// once; the confirmation line says what was added. The taught model replaces the pad's model as a
// new ModelSlot version; the previous slot (weights, name, metadata, knock-outs) is moved aside
// untouched, so Undo gives the same probabilities bit for bit.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "finetune.h"
#include "model.h"
#include "my_digits.h"
#include "my_digits_panel.h"
#include "status.h"
#include "teach_job.h"
#include "ui_common.h"

namespace app {

struct State;

// The taught model's metadata "name" (and the name on the Draw view).
constexpr const char* kTaughtModelName = "digitlab + your digits";

struct MineCommands {
  int add = -1;      // add the drawing with this label
  int remove = -1;   // remove the i-th digit
  bool clear_all = false, teach = false, undo = false, download = false;
};

// Where the buttons were drawn this frame (window coordinates), for the automation API.
struct MineButtons {
  Rect correct[10];  // the digit buttons under the answer
  Rect teach, undo, download, export_, import_, clear_all, header;
  Rect first_remove;  // the × of the first thumbnail shown (0 size when none)
};

struct TeachResult {
  int id = 0;  // counts finished teaches (the API's promise waits for the next one)
  dl::FinetuneReport report;
  double seconds = 0;  // from the first slice to the last, on the thread that worked it
  int steps = 0;
};

struct Mine {
  dl::MyDigits digits;
  int version = 0;      // bumps on every change of digits
  std::string notice;   // the last confirmation ("Added as a 7 — 12 of your digits.")
  std::string error;    // the last problem, a sentence ("" none)
  MineCommands commands;
  MineButtons buttons;
  MyDigitsPanel panel;

  // Requests to the platform, taken after the frame (api/mine_api_web.cpp, core/platform_native.cpp).
  bool store = false;        // keep digits.serialize() in browser storage
  bool want_export = false;  // offer the IDX pair as two .gz downloads
  bool want_import = false;  // open the file picker for an IDX pair

  // Teach it.
  enum class Teach { Idle, WaitingForData, Running };
  Teach teach = Teach::Idle;
  dl::FinetuneOptions options;  // of the teach asked for / running
  std::shared_ptr<TeachJob> job;
  int start_model_version = -1;  // ModelSlot::version of the model being taught
  double progress_frame_ms = 0;  // when a frame last showed the progress
  bool has_result = false;
  TeachResult last;
  int failures = 0;  // counts failed teaches (the API's promise rejects on a new one)

  // Undo: the slot the taught model replaced, as it was.
  bool can_undo = false;
  int taught_version = -1;  // ModelSlot::version of the taught model (Undo is offered while it is on the pad)
  dl::Model previous_model;
  std::string previous_name;
  std::map<std::string, std::string> previous_metadata;
  int previous_knockouts = 0;

  // The MNIST test accuracy of a model the page has measured (every unit on), so that teaching it
  // again (or after an Undo) skips measuring it before (FinetuneOptions::mnist_before).
  int mnist_known_version = -1;  // ModelSlot::version it belongs to
  double mnist_known = -1;
  double previous_mnist = -1;  // of the previous model, for when Undo puts it back
};

// Actions. Each returns a Status whose message is the sentence shown (and the API's error).
dl::Status mine_add(State& s, int label);  // the current drawing, then clears the pad
dl::Status mine_remove(State& s, int i);
void mine_clear(State& s);
// An IDX pair, decompressed (images (n, 28, 28), labels (n)): appended as a whole or not at all.
dl::Status mine_import(State& s, const uint8_t* images, size_t images_size, const uint8_t* labels,
                       size_t labels_size);
void mine_import_problem(State& s, const std::string& sentence);
// serialize() bytes kept by the platform; on a problem the collection starts empty and says so.
void mine_restore(State& s, const uint8_t* bytes, size_t size);
// Starts teaching (fetching the MNIST images first when the page has none yet).
dl::Status mine_teach(State& s, const dl::FinetuneOptions& options);
dl::Status mine_undo(State& s);
void mine_download(State& s);  // the pad's model as a .safetensors download (the Train view's path)

// After the panels: applies MineCommands. Every main-loop iteration: starts a teach whose data has
// arrived, collects a finished one (mine_background; true when something changed on screen).
void mine_after_frame(State& s);
bool mine_background(State& s);
bool mine_busy(const State& s);  // teaching or waiting for the MNIST images
bool mine_wants_frame(const State& s);
const char* mine_phase(const State& s);  // "" when idle
float mine_progress(const State& s);

}  // namespace app
