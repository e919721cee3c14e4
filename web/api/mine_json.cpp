// mine_json.cpp — state().mine for the automation API: My digits and Teach it (my_digits_app.h).
// Field names are those of window.digitlab.mine's answers (README, "Automation API").
#include <string>

#include "app_state.h"
#include "json_writer.h"
#include "state_json.h"

namespace app {

using namespace json;

namespace {
void bool_value(std::string* out, bool v) { out->append(v ? "true" : "false"); }
void text_or_null(std::string* out, const std::string& s) {
  if (s.empty()) out->append("null");
  else str(out, s);
}
}  // namespace

void write_teach_json(const State& s, std::string* out) {
  const Mine& m = s.mine;
  if (!m.has_result) {
    out->append("null");
    return;
  }
  const dl::FinetuneReport& r = m.last.report;
  out->push_back('{');
  key(out, "id");
  num(out, m.last.id);
  key(out, "before");  // accuracy on the held-out digits (on all when none are held out), 0..1
  num(out, r.before(), "%.9g");
  key(out, "after");
  num(out, r.after(), "%.9g");
  key(out, "beforeCorrect");
  num(out, r.before_correct);
  key(out, "afterCorrect");
  num(out, r.after_correct);
  key(out, "mnistBefore");  // MNIST test accuracy, 0..1 (null when no MNIST images were checked)
  if (r.mnist_images > 0) num(out, r.mnist_before, "%.9g");
  else out->append("null");
  key(out, "mnistAfter");
  if (r.mnist_images > 0) num(out, r.mnist_after, "%.9g");
  else out->append("null");
  key(out, "mnistImages");
  num(out, r.mnist_images);
  key(out, "seconds");
  num(out, m.last.seconds);
  key(out, "trainSeconds");
  num(out, r.train_seconds);
  key(out, "evalSeconds");
  num(out, r.eval_seconds);
  key(out, "heldOut");
  num(out, r.held_out);
  key(out, "taught");
  num(out, r.taught);
  key(out, "steps");
  num(out, m.last.steps);
  key(out, "forgot");
  bool_value(out, r.forgot());
  key(out, "diverged");
  bool_value(out, r.diverged);
  out->push_back('}');
}

void write_mine_json(const State& s, std::string* out) {
  const Mine& m = s.mine;
  out->push_back('{');
  key(out, "count");
  num(out, m.digits.count());
  key(out, "perLabel");
  array(out, 10, [&](size_t i) { return m.digits.count_of(static_cast<int>(i)); });
  key(out, "version");
  num(out, m.version);
  key(out, "teaching");
  bool_value(out, mine_busy(s));
  key(out, "waitingForData");
  bool_value(out, m.teach == Mine::Teach::WaitingForData);
  key(out, "progress");
  num(out, mine_progress(s));
  key(out, "phase");
  str(out, mine_phase(s));
  key(out, "lastTeach");
  write_teach_json(s, out);
  key(out, "failures");  // teaches that ended with an error (error says why)
  num(out, m.failures);
  key(out, "canUndo");
  bool_value(out, m.can_undo && s.model.version == m.taught_version);
  key(out, "error");
  text_or_null(out, m.error);
  key(out, "notice");
  text_or_null(out, m.notice);
  key(out, "buttons");  // window coordinates; the page converts them to the viewport's
  out->append("{\"correct\":[");
  for (int d = 0; d < 10; ++d) {
    if (d) out->push_back(',');
    rect(out, m.buttons.correct[d]);
  }
  out->push_back(']');
  const std::pair<const char*, const Rect*> rects[] = {
      {"teach", &m.buttons.teach},         {"undoTeach", &m.buttons.undo},   {"download", &m.buttons.download},
      {"export", &m.buttons.export_},      {"import", &m.buttons.import_},   {"clearAll", &m.buttons.clear_all},
      {"header", &m.buttons.header},       {"firstRemove", &m.buttons.first_remove}};
  for (const auto& r : rects) {
    key(out, r.first);
    rect(out, *r.second);
  }
  out->append("}}");
}

void append_mine_json(const State& s, std::string* out) {
  key(out, "mine");
  write_mine_json(s, out);
}

}  // namespace app
