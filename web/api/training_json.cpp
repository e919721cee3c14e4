// training_json.cpp — the Train view's part of window.digitlab.state(): "views" (the tab
// rectangles), "train" (the run, its curves, the data, the control rectangles) and "evaluation"
// (test accuracy, per-class accuracy, the confusion matrix, the most confident mistakes). Field
// names are documented in the README ("Automation API").
#include <cmath>
#include <cstdio>

#include "app_state.h"
#include "json_writer.h"
#include "state_json.h"

namespace app {

namespace {

using namespace json;  // the writer's str, num, key, array and rect (json_writer.h)

const char* status_name(TrainingSession::Status st) {
  switch (st) {
    case TrainingSession::Status::Running: return "running";
    case TrainingSession::Status::Paused: return "paused";
    case TrainingSession::Status::Finished: return "finished";
    default: return "idle";
  }
}

const char* data_name(TrainingData::Kind k) {
  switch (k) {
    case TrainingData::Loading: return "loading";
    case TrainingData::Ready: return "ready";
    case TrainingData::Missing: return "missing";
    case TrainingData::Failed: return "failed";
    default: return "notLoaded";
  }
}

}  // namespace

void append_training_json(const State& s, std::string* out) {
  const Training& t = s.training;
  const TrainingSession& ss = t.session;
  key(out, "views");
  out->append("{\"draw\":");
  rect(out, s.layout.draw_tab);
  out->append(",\"train\":");
  rect(out, s.layout.train_tab);
  out->append(",\"layers\":");
  rect(out, s.layout.layers_tab);
  out->push_back('}');

  key(out, "train");
  out->push_back('{');
  key(out, "status");
  str(out, status_name(ss.status()));
  key(out, "running");
  out->append(ss.status() == TrainingSession::Status::Running ? "true" : "false");
  key(out, "step");
  num(out, ss.step());
  key(out, "totalSteps");
  num(out, ss.total_steps());
  key(out, "stepsPerEpoch");
  num(out, ss.steps_per_epoch());
  key(out, "epoch");
  num(out, ss.epoch());
  key(out, "images");
  num(out, ss.train_images());
  key(out, "imagesSeen");
  num(out, ss.images_seen(), "%.0f");
  key(out, "loss");
  if (ss.curve().empty()) out->append("null");
  else num(out, ss.last_loss());
  key(out, "trainAccuracy");
  if (ss.curve().empty()) out->append("null");
  else num(out, ss.last_train_accuracy());
  key(out, "valAccuracy");
  if (ss.validation().empty()) out->append("null");
  else num(out, ss.last_val_accuracy());
  key(out, "imagesPerSecond");
  num(out, ss.images_per_second());
  key(out, "threads");
  num(out, ss.threads());
  key(out, "maxThreads");
  num(out, TrainingSession::MaxThreads());
  key(out, "threadsNote");
  if (const char* note = TrainingSession::ThreadsNote()) str(out, note);
  else out->append("null");
  key(out, "elapsed");
  num(out, ss.elapsed());
  key(out, "eta");
  if (ss.eta() < 0) out->append("null");
  else num(out, ss.eta());
  key(out, "lr");
  num(out, ss.lr_now());
  key(out, "offFrame");  // trains on its own thread (background_trainer.h), not in the frame loop
  out->append(t.trainer.active() ? "true" : "false");
  key(out, "budgetMs");  // in the frame loop: training time per frame, and the frame interval
  num(out, t.budget_ms);
  key(out, "frameIntervalMs");
  num(out, t.frame_interval_ms);
  key(out, "message");
  if (ss.message().empty()) out->append("null");
  else str(out, ss.message());
  key(out, "diverged");
  out->append(ss.diverged() ? "true" : "false");
  key(out, "useTrained");
  out->append(t.use_trained ? "true" : "false");
  key(out, "weightsVersion");
  num(out, ss.weights_version());
  key(out, "model");
  if (ss.HasModel()) {
    out->append("{\"spec\":");
    str(out, ss.model().spec());
    out->append(",\"params\":");
    num(out, static_cast<double>(ss.model().num_params()), "%.0f");
    out->append(",\"macsPerImage\":");
    num(out, static_cast<double>(ss.model().macs_per_image()), "%.0f");
    out->push_back('}');
  } else {
    out->append("null");
  }
  const TrainOptions& o = ss.HasModel() ? ss.options() : t.panel.edit;
  key(out, "options");
  out->append("{\"spec\":");
  str(out, o.spec);
  out->append(",\"optimizer\":");
  str(out, dl::optimizer_name(o.optimizer));
  out->append(",\"lr\":");
  num(out, o.lr);
  out->append(",\"schedule\":");
  str(out, o.cosine ? "cosine" : "constant");
  out->append(",\"batch\":");
  num(out, o.batch);
  out->append(",\"epochs\":");
  num(out, o.epochs);
  out->append(",\"augment\":");
  out->append(o.augment ? "true" : "false");
  out->append(",\"subset\":");
  num(out, o.subset);
  out->append(",\"seed\":");
  num(out, static_cast<double>(o.seed), "%.0f");
  out->push_back('}');
  key(out, "data");
  out->append("{\"state\":");
  str(out, data_name(t.data.kind));
  out->append(",\"received\":");
  num(out, t.data.received, "%.0f");
  out->append(",\"total\":");
  num(out, t.data.total, "%.0f");
  out->append(",\"message\":");
  if (t.data.message.empty()) out->append("null");
  else str(out, t.data.message);
  out->push_back('}');
  key(out, "curve");  // columns: one entry per point
  {
    const auto& c = ss.curve();
    out->push_back('{');
    key(out, "epoch");
    array(
        out, c.size(), [&](size_t i) { return c[i].epoch; }, "%.4g");
    key(out, "step");
    array(out, c.size(), [&](size_t i) { return c[i].step; });
    key(out, "loss");
    array(
        out, c.size(), [&](size_t i) { return c[i].loss; }, "%.5g");
    key(out, "accuracy");
    array(
        out, c.size(), [&](size_t i) { return c[i].accuracy; }, "%.5g");
    out->push_back('}');
  }
  key(out, "validation");
  {
    const auto& v = ss.validation();
    out->push_back('{');
    key(out, "epoch");
    array(
        out, v.size(), [&](size_t i) { return v[i].epoch; }, "%.4g");
    key(out, "step");
    array(out, v.size(), [&](size_t i) { return v[i].step; });
    key(out, "accuracy");
    array(
        out, v.size(), [&](size_t i) { return v[i].accuracy; }, "%.5g");
    out->push_back('}');
  }
  const TrainLayout& L = t.layout;
  key(out, "buttons");
  out->push_back('{');
  key(out, "start");
  rect(out, L.start);
  key(out, "pause");
  rect(out, L.pause);
  key(out, "resume");
  rect(out, L.resume);
  key(out, "step");
  rect(out, L.step);
  key(out, "reset");
  rect(out, L.reset);
  key(out, "evaluate");
  rect(out, L.evaluate);
  key(out, "useTrained");
  rect(out, L.use_trained);
  key(out, "download");
  rect(out, L.download);
  key(out, "learningRate");
  rect(out, L.lr);
  key(out, "preset");
  rect(out, L.preset);
  key(out, "compare");
  rect(out, L.compare);
  key(out, "confusion");
  rect(out, L.confusion);
  out->push_back('}');
  out->push_back('}');

  key(out, "compare");
  out->append("{\"running\":");
  out->append(t.compare.running ? "true" : "false");
  out->append(",\"current\":");
  if (t.compare.current.empty()) out->append("null");
  else str(out, t.compare.current);
  out->append(",\"results\":[");
  for (size_t i = 0; i < t.compare.done.size(); ++i) {
    const CompareEntry& e = t.compare.done[i];
    if (i) out->push_back(',');
    out->append("{\"preset\":");
    str(out, e.preset);
    out->append(",\"hiddenLayers\":");
    num(out, e.hidden_layers);
    out->append(",\"params\":");
    num(out, static_cast<double>(e.params), "%.0f");
    out->append(",\"flops\":");
    num(out, static_cast<double>(e.flops), "%.0f");
    out->append(",\"seconds\":");
    num(out, e.seconds);
    out->append(",\"testAccuracy\":");
    num(out, e.test_accuracy);
    out->push_back('}');
  }
  out->append("]}");

  key(out, "evaluation");
  if (!ss.HasEvaluation()) {
    out->append(ss.Evaluating() ? "{\"evaluating\":true}" : "null");
    return;
  }
  const dl::Evaluation& e = ss.evaluation();
  out->push_back('{');
  key(out, "evaluating");
  out->append(ss.Evaluating() ? "true" : "false");
  key(out, "step");
  num(out, ss.evaluation_step());
  key(out, "count");
  num(out, e.count);
  key(out, "correct");
  num(out, e.correct);
  key(out, "accuracy");
  num(out, e.accuracy());
  key(out, "loss");
  num(out, e.loss);
  key(out, "perClass");
  array(out, dl::kClasses, [&](size_t c) { return e.class_accuracy(static_cast<int>(c)); });
  key(out, "confusion");  // [true][predicted]
  out->push_back('[');
  for (int r = 0; r < dl::kClasses; ++r) {
    if (r) out->push_back(',');
    array(out, dl::kClasses, [&](size_t c) { return e.confusion[r][c]; });
  }
  out->push_back(']');
  key(out, "mistakes");  // the most confident 20
  out->push_back('[');
  for (size_t i = 0; i < e.mistakes.size() && i < 20; ++i) {
    const dl::Mistake& m = e.mistakes[i];
    if (i) out->push_back(',');
    out->append("{\"index\":");
    num(out, m.index);
    out->append(",\"label\":");
    num(out, m.label);
    out->append(",\"predicted\":");
    num(out, m.predicted);
    out->append(",\"confidence\":");
    num(out, m.confidence);
    out->push_back('}');
  }
  out->push_back(']');
  key(out, "selectedCell");
  if (t.evaluation.sel_true < 0) {
    out->append("null");
  } else {
    out->push_back('[');
    num(out, t.evaluation.sel_true);
    out->push_back(',');
    num(out, t.evaluation.sel_pred);
    out->push_back(']');
  }
  out->push_back('}');
}

}  // namespace app
