// my_digits_app.cpp — see my_digits_app.h.
#include "my_digits_app.h"

#include <algorithm>
#include <cstdio>

#include "app.h"
#include "app_state.h"
#include "model_io.h"

namespace app {

namespace {

void changed(State& s) {
  ++s.mine.version;
  s.mine.store = true;
  request_redraw(s);
}

// "12 of your digits" (also "1 of your digits": one of the person's digits).
std::string digits_phrase(int n) { return std::to_string(n) + " of your digits"; }

// The teach can start: the MNIST images (the probes' pool of training images and the test set) are in.
bool data_ready(const State& s) { return s.layers.probes.pool() && s.layers.test.loaded; }

void start_job(State& s) {
  Mine& m = s.mine;
  dl::Model copy;
  dl::Status st = dl::clone_model(s.model.model, &copy);
  if (!st.ok()) {
    m.teach = Mine::Teach::Idle;
    m.error = "Could not teach: " + st.message();
    ++m.failures;
    return;
  }
  copy.clear_units_off();  // knock-outs are for looking inside; the network is taught whole
  m.job = std::make_shared<TeachJob>(std::move(copy), m.digits.dataset(), s.layers.probes.pool(), s.layers.test.data,
                                     m.options);
  m.start_model_version = s.model.version;
  s.layers.jobs.Submit(m.job);
  m.teach = Mine::Teach::Running;
}

void fail(State& s, const std::string& sentence) {
  Mine& m = s.mine;
  m.teach = Mine::Teach::Idle;
  m.job.reset();
  m.error = sentence;
  ++m.failures;
  request_redraw(s);
}

// The finished job's model on the pad; the slot it replaces is kept whole for Undo.
void take_result(State& s) {
  Mine& m = s.mine;
  std::shared_ptr<TeachJob> job = std::move(m.job);
  m.teach = Mine::Teach::Idle;
  if (!job->error().empty()) return fail(s, job->error());
  if (!s.model.loaded || s.model.version != m.start_model_version)
    return fail(s, "Another model was put on the Draw view while teaching, so the taught copy was dropped.");
  dl::Model taught = std::move(job->model());
  const dl::Status st = taught.plan(1);  // the pad answers one drawing at a time
  if (!st.ok()) return fail(s, "Could not use the taught model: " + st.message());
  m.previous_model = std::move(s.model.model);
  m.previous_name = std::move(s.model.name);
  m.previous_metadata = std::move(s.model.metadata);
  m.previous_knockouts = s.model.knockouts;
  const dl::FinetuneReport& r = job->report();
  s.model.model = std::move(taught);
  s.model.metadata = m.previous_metadata;
  s.model.metadata["name"] = kTaughtModelName;
  s.model.metadata["finetuned_from"] = m.previous_name;
  s.model.metadata["finetuned_on"] = std::to_string(r.taught) + " of the person's digits";
  s.model.name = kTaughtModelName;
  s.model.version = std::max(s.model.version, s.shipped.version) + 1;
  ++s.model.knockouts;  // the taught copy has every unit on
  m.taught_version = s.model.version;
  if (r.mnist_images > 0 && r.mnist_images == m.options.mnist_test) {
    m.mnist_known_version = s.model.version;
    m.mnist_known = r.mnist_after;
    m.previous_mnist = r.mnist_before;
  } else {
    m.mnist_known_version = -1;
    m.previous_mnist = -1;
  }
  m.can_undo = true;
  m.has_result = true;
  m.last.id += 1;
  m.last.report = r;
  m.last.seconds = job->seconds();
  m.last.steps = m.options.steps;
  m.error.clear();
  request_redraw(s);
}

}  // namespace

dl::Status mine_add(State& s, int label) {
  Mine& m = s.mine;
  predict_now(s);  // the answer (and input28) of the drawing on the pad now
  const Prediction& p = s.prediction;
  dl::Status st = label < 0 || label > 9 ? dl::Status::Error("the label must be a digit from 0 to 9")
                  : !p.has_ink           ? dl::Status::Error("there is no drawing on the pad: draw a digit first")
                                         : m.digits.add(label, p.input28, s.pad.Strokes());
  if (!st.ok()) {
    m.error = "Not added: " + st.message();
    if (m.error.back() != '.') m.error += '.';
    request_redraw(s);
    return dl::Status::Error(m.error);
  }
  const bool confirmed = p.valid && p.digit == label;
  m.notice = std::string(confirmed ? "Confirmed" : "Added") + " as a " + std::to_string(label) +
             " \xe2\x80\x94 " + digits_phrase(m.digits.count()) + ".";
  m.error.clear();
  clear(s);  // ready for the next digit
  predict_now(s);
  changed(s);
  return st;
}

dl::Status mine_remove(State& s, int i) {
  Mine& m = s.mine;
  const int n = m.digits.count();
  if (i < 0 || i >= n)
    return dl::Status::Error("there is no digit " + std::to_string(i) + " (My digits has " + std::to_string(n) +
                             (n == 1 ? ", numbered 0)" : n == 0 ? ")" : ", numbered 0 to " + std::to_string(n - 1) + ")"));
  const int label = m.digits.label(i);
  const dl::Status st = m.digits.remove(i);
  if (!st.ok()) return st;
  m.notice = "Removed a " + std::to_string(label) + " \xe2\x80\x94 " + digits_phrase(m.digits.count()) + " left.";
  changed(s);
  return st;
}

void mine_clear(State& s) {
  s.mine.digits.clear();
  s.mine.notice = "All your digits were removed.";
  s.mine.error.clear();
  changed(s);
}

dl::Status mine_import(State& s, const uint8_t* images, size_t images_size, const uint8_t* labels,
                       size_t labels_size) {
  Mine& m = s.mine;
  dl::IdxArray ia, la;
  dl::Status st = dl::parse_idx(images, images_size, "the images file", &ia);
  if (st.ok()) st = dl::parse_idx(labels, labels_size, "the labels file", &la);
  const int before = m.digits.count();
  if (st.ok()) st = m.digits.append_idx(ia, la, "the imported files");
  if (!st.ok()) {
    mine_import_problem(s, st.message());
    return dl::Status::Error(m.error);
  }
  const int added = m.digits.count() - before;
  m.notice = "Imported " + std::to_string(added) + (added == 1 ? " digit" : " digits") + " \xe2\x80\x94 " +
             digits_phrase(m.digits.count()) + ".";
  m.error.clear();
  changed(s);
  return st;
}

void mine_import_problem(State& s, const std::string& sentence) {
  std::string e = "Could not import: " + sentence;
  if (e.back() != '.') e += '.';
  s.mine.error = e + " Your digits are as they were.";
  request_redraw(s);
}

void mine_restore(State& s, const uint8_t* bytes, size_t size) {
  Mine& m = s.mine;
  const dl::Status st = m.digits.deserialize(bytes, size);
  if (!st.ok()) {
    m.digits.clear();
    m.error = "The digits kept in this browser could not be read (" + st.message() +
              "), so My digits starts empty; they are replaced when you add one.";
  } else if (m.digits.count() > 0) {
    m.notice = std::to_string(m.digits.count()) + (m.digits.count() == 1 ? " digit" : " digits") +
               " of yours, kept in this browser.";
  }
  ++m.version;
  request_redraw(s);
}

dl::Status mine_teach(State& s, const dl::FinetuneOptions& options) {
  Mine& m = s.mine;
  if (m.teach != Mine::Teach::Idle) return dl::Status::Error("Teaching is already under way.");
  if (!s.model.loaded) return dl::Status::Error("No model is loaded: load one to teach it.");
  if (m.digits.count() == 0)
    return dl::Status::Error("My digits is empty: draw a digit and press its button under the answer first.");
  m.options = options;
  if (s.model.version == m.mnist_known_version) m.options.mnist_before = m.mnist_known;
  m.error.clear();
  const Training& t = s.training;
  if (!data_ready(s)) {
    if (!t.mnist_missing.empty()) {
      m.error = t.mnist_missing;
      return dl::Status::Error(m.error);
    }
    if (t.data.kind != TrainingData::Loading && !t.session.HasData()) {
      s.training.data.kind = TrainingData::Loading;
      s.training.data.received = 0;
      s.training.want_data = true;  // the platform fetches the MNIST files after this frame
    }
    m.teach = Mine::Teach::WaitingForData;
    request_redraw(s);
    return dl::Status::Ok();
  }
  start_job(s);
  request_redraw(s);
  return m.error.empty() ? dl::Status::Ok() : dl::Status::Error(m.error);
}

dl::Status mine_undo(State& s) {
  Mine& m = s.mine;
  if (!m.can_undo || s.model.version != m.taught_version)
    return dl::Status::Error("There is no teach to undo on the model on the Draw view.");
  const int v = s.model.version;
  s.model.model = std::move(m.previous_model);
  s.model.name = std::move(m.previous_name);
  s.model.metadata = std::move(m.previous_metadata);
  s.model.knockouts = std::max(s.model.knockouts, m.previous_knockouts) + 1;
  s.model.version = v + 1;
  m.previous_model = dl::Model();
  m.can_undo = false;
  m.taught_version = -1;
  m.mnist_known_version = m.previous_mnist >= 0 ? s.model.version : -1;
  m.mnist_known = m.previous_mnist;
  m.notice = "Undone: the model is the one from before the teach.";
  request_redraw(s);
  return dl::Status::Ok();
}

void mine_download(State& s) {
  if (!s.model.loaded) return;
  std::map<std::string, std::string> extra;
  for (const auto& kv : s.model.metadata)
    if (kv.first != "format" && kv.first != "spec") extra[kv.first] = kv.second;
  Training& t = s.training;
  t.download = dl::save_model_bytes(s.model.model, extra);
  t.download_name = s.model.name == kTaughtModelName ? "digitlab-your-digits.safetensors" : "digitlab-model.safetensors";
  request_redraw(s);
}

void mine_after_frame(State& s) {
  Mine& m = s.mine;
  const MineCommands c = m.commands;
  m.commands = MineCommands{};
  if (c.add >= 0) mine_add(s, c.add);
  if (c.remove >= 0) mine_remove(s, c.remove);
  if (c.clear_all) mine_clear(s);
  if (c.teach) {
    const dl::Status st = mine_teach(s, dl::FinetuneOptions{});
    if (!st.ok()) m.error = st.message();
  }
  if (c.undo) mine_undo(s);
  if (c.download) mine_download(s);
  // The pad's model was replaced (a loaded file, the Train view): the previous one is no use.
  if (m.can_undo && s.model.version != m.taught_version) {
    m.can_undo = false;
    m.previous_model = dl::Model();
  }
}

bool mine_background(State& s) {
  Mine& m = s.mine;
  if (m.teach == Mine::Teach::WaitingForData) {
    const Training& t = s.training;
    if (data_ready(s)) {
      if (!s.model.loaded) {
        fail(s, "No model is loaded: load one to teach it.");
        return true;
      }
      start_job(s);
      return true;
    }
    if (!t.mnist_missing.empty()) {
      fail(s, t.mnist_missing);
      return true;
    }
    if (t.data.kind == TrainingData::Failed || t.data.kind == TrainingData::Missing) {
      fail(s, t.data.message.empty() ? "The MNIST images could not be loaded." : t.data.message);
      return true;
    }
    return false;
  }
  if (m.teach == Mine::Teach::Running && m.job && m.job->finished()) {
    take_result(s);
    return true;
  }
  return false;
}

bool mine_busy(const State& s) { return s.mine.teach != Mine::Teach::Idle; }

bool mine_wants_frame(const State& s) {
  const Mine& m = s.mine;
  const MineCommands& mc = m.commands;
  if (mc.add >= 0 || mc.remove >= 0 || mc.clear_all || mc.teach || mc.undo || mc.download) return true;
  return mine_busy(s) && s.view == View::Draw &&
         now_ms() - m.progress_frame_ms >= std::max(kProgressFrameMs, s.frame_ms / kProgressShare);
}

const char* mine_phase(const State& s) {
  const Mine& m = s.mine;
  if (m.teach == Mine::Teach::WaitingForData) return "waiting for the MNIST images";
  if (m.teach == Mine::Teach::Running && m.job) return m.job->phase();
  return "";
}

float mine_progress(const State& s) {
  const Mine& m = s.mine;
  if (m.teach == Mine::Teach::Running && m.job) return m.job->progress();
  return 0.0f;
}

}  // namespace app
