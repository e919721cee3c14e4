// training_app.cpp — see training_app.h.
#include "training_app.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "app.h"
#include "app_state.h"
#include "imgui.h"
#include "spec.h"
#include "train_options.h"
#include "ui_common.h"

namespace app {

namespace {

// While training with the trained model on the pad, its copy is refreshed this often (ms), so the
// answer and the layer view follow the weights as they change.
constexpr double kPadRefreshMs = 250.0;
// While training, the run is written to browser storage this often (ms), and on every pause.
constexpr double kSaveEveryMs = 10000.0;

bool trained_on_pad(const State& s) {
  return s.training.use_trained && s.model.version == s.training.pad_model_version;
}

// Copies the session's weights into the pad's model (a fresh model of the same spec when needed).
void copy_to_pad(State& s) {
  Training& t = s.training;
  const dl::Model& m = t.session.model();
  ModelSlot& slot = s.model;
  if (!trained_on_pad(s) || slot.model.spec() != m.spec()) {
    dl::Model copy;
    if (!dl::Model::build(m.spec(), 1, &copy).ok() || !copy.plan(1).ok()) return;
    slot.model = std::move(copy);
    slot.metadata.clear();
    slot.metadata["spec"] = m.spec();
    slot.name = "trained here (" + t.session.options().spec + ")";
    slot.loaded = true;
    slot.error.clear();
  }
  std::copy(m.params().begin(), m.params().end(), slot.model.params().begin());
  std::copy(m.buffers().begin(), m.buffers().end(), slot.model.buffers().begin());
  slot.model.clear_units_off();  // new weights are a new model: knock-outs (knockouts.h) start over
  slot.version = std::max(slot.version, s.shipped.version) + 1;
  t.pad_model_version = slot.version;
  t.copied_weights = t.session.weights_version();
  t.last_copy_ms = now_ms();
  request_redraw(s);
}

void apply_commands(State& s) {
  Training& t = s.training;
  TrainCommands c = t.commands;
  t.commands = TrainCommands{};
  if (c.start) training_start(s, c.options);
  if (c.pause) training_pause(s);
  if (c.resume) training_resume(s);
  if (c.step) training_step(s);
  if (c.reset) training_reset(s);
  if (c.evaluate) training_evaluate(s, 0);
  if (c.toggle_use_trained) training_use_on_pad(s, !t.use_trained);
  if (c.download) training_download(s);
  if (c.compare) training_compare(s, c.options, t.panel.compare_slow);
}

// The compare queue: when the current preset has finished and its test evaluation is in, record
// it and start the next one.
void drive_compare(State& s) {
  Training& t = s.training;
  Compare& c = t.compare;
  const TrainingSession& ss = t.session;
  if (!c.running || !ss.HasData()) return;
  if (!c.current.empty()) {
    if (ss.diverged() || ss.status() == TrainingSession::Status::Empty) {
      c.running = false;
      c.current.clear();
      return;
    }
    if (ss.status() != TrainingSession::Status::Finished || !ss.HasEvaluation() || ss.Evaluating() ||
        ss.evaluation_step() != ss.step()) {
      return;
    }
    CompareEntry e;
    e.preset = c.current;
    for (const dl::Preset& p : dl::presets())
      if (c.current == p.name) e.hidden_layers = p.hidden_layers;
    e.params = ss.model().num_params();
    e.flops = 2 * ss.model().macs_per_image();
    e.seconds = ss.elapsed();
    e.test_accuracy = ss.evaluation().accuracy();
    e.validation = ss.validation();
    c.done.push_back(std::move(e));
    c.current.clear();
  }
  if (c.queue.empty()) {
    c.running = false;
    return;
  }
  TrainOptions o = c.base;
  o.spec = c.queue.front();
  c.queue.erase(c.queue.begin());
  if (t.session.Start(o).ok()) c.current = o.spec;
  else c.running = false;
  request_redraw(s);
}

// After the frame's training (or the thread's since the last frame): the compare queue, the run
// kept in browser storage when it stops and every kSaveEveryMs while it runs, and the pad's copy of
// the weights.
void after_training(State& s, TrainingSession::Status before, double now) {
  Training& t = s.training;
  drive_compare(s);
  const TrainingSession::Status after = t.session.status();
  t.last_status = after;
  if (before == TrainingSession::Status::Running && after != TrainingSession::Status::Running) t.save_run = true;
  if (after == TrainingSession::Status::Running && now - t.last_save_ms > kSaveEveryMs) t.save_run = true;
  if (t.save_run) t.last_save_ms = now;
  if (t.use_trained && t.session.HasModel() && t.copied_weights != t.session.weights_version() &&
      (after != TrainingSession::Status::Running || now - t.last_copy_ms >= kPadRefreshMs)) {
    copy_to_pad(s);
  }
}

}  // namespace

void training_start_thread(State& s) {
  Training& t = s.training;
  t.trainer.Start(&t.session);
  // Off the frame loop a run leaves one core to the page (its drawing, the browser's compositor), so
  // that a person drawing keeps the page's frames. On two cores in headless Chromium the speed of one
  // training thread against two moved from run to run (R1: 7,407 vs 6,564 images/s in one run,
  // 5,241 vs 6,416 in another); the frames are what a person feels. train.setThreads and the Train
  // view's field still give it every core.
  if (t.trainer.active()) t.session.SetThreads(std::max(1, TrainingSession::MaxThreads() - 1));
}

void draw_training_view(State& s) {
  Training& t = s.training;
  TrainingTurn turn(t.trainer);
  const ImGuiStyle& st = ImGui::GetStyle();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float font = s.layout.font_px;
  const bool wide = avail.x >= font * 40.0f;
  if (wide) {
    const float left = std::clamp(avail.x * 0.34f, font * 19.0f, font * 26.0f);
    ImGui::BeginChild("train-controls", ImVec2(left, avail.y), false);
    t.panel.DrawControls(t.session, t.use_trained, left - st.ScrollbarSize, &t.commands, &t.layout);
    ImGui::EndChild();
    ImGui::SameLine(0, font);
    const float right = avail.x - left - font;
    ImGui::BeginChild("train-results", ImVec2(right, avail.y), false);
    const float w = right - st.ScrollbarSize;
    t.panel.DrawReadout(t.session, t.data, w);
    t.panel.DrawCurves(t.session, w, std::min(avail.y * 0.42f, font * (t.session.HasEvaluation() ? 10.0f : 13.0f)));
    ImGui::Spacing();
    t.evaluation.Draw(t.session, w, &t.layout);
    ImGui::Spacing();
    t.compare.Draw(w, font * 12.0f);
    ImGui::EndChild();
  } else {
    ImGui::BeginChild("train-all", avail, false);
    const float w = avail.x - st.ScrollbarSize;
    t.panel.DrawControls(t.session, t.use_trained, w, &t.commands, &t.layout);
    t.panel.DrawReadout(t.session, t.data, w);
    ImGui::Spacing();
    t.panel.DrawCurves(t.session, w, font * 16.0f);
    ImGui::Spacing();
    t.evaluation.Draw(t.session, w, &t.layout);
    ImGui::Spacing();
    t.compare.Draw(w, font * 12.0f);
    ImGui::EndChild();
  }
}

namespace {

// Whether a frame of the threaded page has anything to do with the session: a button pressed, a
// run that started, ended or diverged, a trained model to put on the pad or take off it, or progress
// to act on (the pad's copy, saving) at most every kProgressFrameMs. Otherwise the frame leaves the
// thread alone, so a person drawing never waits for a slice.
bool needs_turn(const State& s, double now) {
  const Training& t = s.training;
  return t.commands.any() || t.trainer.busy() != t.drawn_busy ||
         (t.use_trained && s.model.version != t.pad_model_version) ||
         (t.trainer.progress() != t.drawn_progress && now - t.progress_frame_ms >= kProgressFrameMs);
}

}  // namespace

void training_after_frame(State& s) {
  Training& t = s.training;
  if (t.trainer.active() && !needs_turn(s, now_ms())) return;
  TrainingTurn turn(t.trainer);
  apply_commands(s);
  // The pad's model was replaced by someone else (a loaded file): the trained copy is gone.
  if (t.use_trained && s.model.version != t.pad_model_version) {
    t.use_trained = false;
    s.shipped = ModelSlot{};
  }
  const double now = now_ms();
  if (t.trainer.active()) {
    // The thread trains; the frame shows where it is and acts on its transitions.
    if (t.trainer.progress() != t.drawn_progress) t.progress_frame_ms = now;
    t.drawn_progress = t.trainer.progress();
    t.drawn_busy = t.session.status() == TrainingSession::Status::Running || t.session.Evaluating();
    after_training(s, t.last_status, now);
    return;
  }
  const bool working = t.session.status() == TrainingSession::Status::Running || t.session.Evaluating();
  if (working) {
    // Adapt the budget to the frame interval: the frame's other work (drawing, the browser) is the
    // interval minus the last budget; the budget is what is left of kTargetFrameMs. When drawing
    // alone takes longer (a loaded machine) training keeps a floor, so it never starves.
    if (t.last_frame_ms >= 0) {
      const double dt = now - t.last_frame_ms;
      t.frame_interval_ms = t.frame_interval_ms > 0 ? 0.8 * t.frame_interval_ms + 0.2 * dt : dt;
      const double other = std::max(0.0, dt - t.last_work_ms);
      t.other_ms = t.other_ms > 0 ? 0.8 * t.other_ms + 0.2 * other : other;
      // When drawing alone takes longer than the target (a slow or busy machine), training still gets
      // half of each frame: the frame rate then falls to at most two thirds of what drawing allows.
      const double floor = std::max(kMinBudgetMs, 0.5 * t.other_ms);
      t.budget_ms = std::clamp(kTargetFrameMs - 3.0 - t.other_ms, floor, 100.0);
    }
    t.last_frame_ms = now;
  } else {
    t.last_frame_ms = -1;
  }
  const TrainingSession::Status before = t.session.status();
  const double w0 = now_ms();
  const bool did = t.session.Advance(t.budget_ms);
  t.last_work_ms = now_ms() - w0;
  if (did) request_redraw(s);
  after_training(s, before, now);
}

bool training_between_frames(State& s, double budget_ms) {
  Training& t = s.training;
  const TrainingSession::Status before = t.session.status();
  if (before != TrainingSession::Status::Running && !t.session.Evaluating()) return false;
  if (t.session.Advance(budget_ms)) request_redraw(s);
  const TrainingSession::Status after = t.session.status();
  // A run that ends, diverges or finishes its epochs here is kept in storage like one that ends in
  // a frame (training_after_frame sees only its own transitions).
  if (before == TrainingSession::Status::Running && after != TrainingSession::Status::Running) {
    t.save_run = true;
    request_redraw(s);
  }
  return after == TrainingSession::Status::Running || t.session.Evaluating();
}

bool training_wants_frame(const State& s) {
  const Training& t = s.training;
  const bool requests =
      t.data.kind == TrainingData::Loading || t.want_data || t.save_run || t.forget_run || !t.download.empty();
  if (t.trainer.active()) {
    // Read without a turn: the thread's counters are atomic. A run that starts, ends or diverges is
    // shown at once; progress every kProgressFrameMs; the compare queue when its run stops.
    const bool busy = t.trainer.busy();
    const double every = std::max(kProgressFrameMs, s.frame_ms / kProgressShare);
    return requests || busy != t.drawn_busy ||
           (t.trainer.progress() != t.drawn_progress && now_ms() - t.progress_frame_ms >= every);
  }
  return requests || t.compare.running || t.session.status() == TrainingSession::Status::Running ||
         t.session.Evaluating();
}

dl::Status training_start(State& s, const TrainOptions& o) {
  Training& t = s.training;
  // The options and the network's memory are checked before anything else, data or not: a run
  // that cannot start is refused now, not after an 11 MB download.
  const dl::Status ok = check_train_options(o, TrainingSession::MaxThreads(), t.session.budget());
  if (!ok.ok()) {
    t.session.Notice(ok.message());
    request_redraw(s);
    return ok;
  }
  t.panel.edit = o;
  t.panel.edit.start_paused = false;  // the Start button starts running
  t.compare.running = false;
  t.compare.current.clear();
  if (!t.mnist_missing.empty()) {
    t.data.kind = TrainingData::Missing;
    t.data.message = t.mnist_missing;
    return dl::Status::Error(t.mnist_missing);
  }
  if (!t.session.HasData()) {
    t.start_when_data = true;
    t.pending = o;
    if (t.data.kind != TrainingData::Loading) {
      t.data.kind = TrainingData::Loading;
      t.data.received = 0;
      t.want_data = true;
    }
    request_redraw(s);
    return dl::Status::Ok();
  }
  const dl::Status st = t.session.Start(o);
  t.save_run = st.ok();
  t.evaluation.sel_true = t.evaluation.sel_pred = -1;
  request_redraw(s);
  return st;
}

void training_pause(State& s) {
  s.training.session.Pause();
  s.training.save_run = true;
  request_redraw(s);
}

void training_resume(State& s) {
  Training& t = s.training;
  if (!t.session.HasData()) {
    if (t.data.kind != TrainingData::Loading && t.mnist_missing.empty()) {
      t.data.kind = TrainingData::Loading;
      t.want_data = true;
    }
    t.start_when_data = false;
    return;
  }
  t.session.Resume();
  request_redraw(s);
}

void training_step(State& s) {
  s.training.session.StepOnce();
  request_redraw(s);
}

void training_reset(State& s) {
  Training& t = s.training;
  if (t.use_trained) training_use_on_pad(s, false);
  t.session.Reset();
  t.start_when_data = false;
  t.compare = Compare{};
  t.forget_run = true;
  t.evaluation.sel_true = t.evaluation.sel_pred = -1;
  request_redraw(s);
}

void training_evaluate(State& s, int count) {
  s.training.session.RequestEvaluation(count);
  request_redraw(s);
}

void training_use_on_pad(State& s, bool on) {
  Training& t = s.training;
  if (on == t.use_trained) return;
  if (on) {
    if (!t.session.HasModel()) return;
    s.shipped = std::move(s.model);
    s.model = ModelSlot{};
    s.model.version = s.shipped.version;
    t.use_trained = true;
    t.pad_model_version = -1;
    copy_to_pad(s);
  } else {
    const int v = s.model.version;
    t.use_trained = false;
    s.model = std::move(s.shipped);
    s.shipped = ModelSlot{};
    s.model.version = v + 1;
    request_redraw(s);
  }
}

void training_download(State& s) {
  Training& t = s.training;
  if (!t.session.HasModel()) return;
  t.download = t.session.SaveBytes();
  std::string name = t.session.options().spec;
  for (char& c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-')) c = '_';
  t.download_name = "digitlab-" + name + ".safetensors";
  request_redraw(s);
}

void training_compare(State& s, const TrainOptions& o, bool include_slow) {
  Training& t = s.training;
  if (!t.mnist_missing.empty()) {
    t.data.kind = TrainingData::Missing;
    t.data.message = t.mnist_missing;
    return;
  }
  Compare& c = t.compare;
  c = Compare{};
  c.base = o;
  c.base.start_paused = false;  // each run of the queue trains
  for (const dl::Preset& p : dl::presets()) {
    if (p.hidden_layers < 0) continue;
    if (std::string(p.name) == "R2" && !include_slow) continue;
    c.queue.push_back(p.name);
  }
  c.include_slow = include_slow;
  c.running = true;
  t.start_when_data = false;
  if (!t.session.HasData() && t.data.kind != TrainingData::Loading) {
    t.data.kind = TrainingData::Loading;
    t.data.received = 0;
    t.want_data = true;
  }
  request_redraw(s);
}

void training_data_progress(State& s, double received, double total) {
  s.training.data.received = received;
  s.training.data.total = total;
  request_redraw(s);
}

void training_set_data(State& s, dl::Dataset train, dl::Dataset test) {
  Training& t = s.training;
  // The Layers view's probes train on images of this set (probes_panel.h); its gallery, map and
  // knock-outs read the test set, which it may not have yet.
  s.layers.probes.SetPool(make_probe_pool(train));
  if (!s.layers.test.loaded) {
    s.layers.test.data = std::make_shared<const dl::Dataset>(test);
    s.layers.test.loaded = true;
    s.layers.test.problem.clear();
    ++s.layers.test.version;
  }
  t.session.SetData(std::move(train), std::move(test));
  t.data.kind = TrainingData::Ready;
  t.data.message.clear();
  if (t.start_when_data) {
    t.start_when_data = false;
    const dl::Status st = t.session.Start(t.pending);
    t.save_run = st.ok();
  } else if (t.session.status() == TrainingSession::Status::Paused) {
    t.session.Resume();  // Resume was pressed on a restored run before the data was there
  }
  request_redraw(s);
}

void training_data_failed(State& s, const std::string& message, bool missing) {
  Training& t = s.training;
  t.data.kind = missing ? TrainingData::Missing : TrainingData::Failed;
  t.data.message = message;
  t.start_when_data = false;
  request_redraw(s);
}

dl::Status training_restore(State& s, const uint8_t* bytes, size_t size) {
  Training& t = s.training;
  const dl::Status st = t.session.RestoreBytes(bytes, size);
  if (st.ok()) t.panel.edit = t.session.options();
  request_redraw(s);
  return st;
}

void training_notice(State& s, const std::string& sentence) {
  s.training.session.Notice(sentence);
  request_redraw(s);
}

}  // namespace app
