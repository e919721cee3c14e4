// state_json.cpp — see state_json.h.
#include "state_json.h"

#include <cstdio>

#include "app_state.h"
#include "json_writer.h"

namespace app {

namespace {

using namespace json;  // the writer's str, num, key, array and rect (json_writer.h)

// state().layerView: the Layers view's current step and what it shows (README, "Automation API").
void append_layer_view(const State& s, std::string* out) {
  const LayerView& v = s.layers;
  const auto shape = [&](const dl::Shape& sh) {
    const int dims[3] = {sh.c, sh.h, sh.w};
    array(out, 3, [&](size_t i) { return dims[i]; });
  };
  out->push_back('{');
  if (v.Steps().empty()) {  // the view has not been shown yet
    out->append("\"index\":0,\"count\":0");
    append_instruments_json(s, out);
    out->push_back('}');
    return;
  }
  const LayerStep& cur = v.Steps()[v.Current()];
  key(out, "index");
  num(out, v.Current());
  key(out, "count");
  num(out, static_cast<double>(v.Steps().size()));
  key(out, "name");
  str(out, cur.name);
  key(out, "kind");
  str(out, cur.kind_name());
  key(out, "shape");
  shape(cur.shape);
  key(out, "modelLayer");
  if (cur.model_layer >= 0) num(out, cur.model_layer);
  else out->append("null");
  key(out, "channel");  // the enlarged map, or null
  if (v.Channel() >= 0) num(out, v.Channel());
  else out->append("null");
  key(out, "normalisation");
  out->append(v.norm == Normalisation::PerLayer ? "\"layer\"" : "\"map\"");
  key(out, "input");  // "drawing" or the test image's index
  if (v.Source() >= 0) num(out, v.Source());
  else out->append("\"drawing\"");
  key(out, "answer");
  if (v.Digit() >= 0) num(out, v.Digit());
  else out->append("null");
  key(out, "runs");  // forward passes the view has made (it re-runs on a new input or model)
  num(out, v.Runs());
  key(out, "runMs");  // the last forward pass + saliency of the view
  num(out, v.RunMs());
  key(out, "drawMs");  // CPU time of the view's last frame (including runMs when it ran)
  num(out, v.DrawMs());
  key(out, "testImages");
  out->append("{\"loaded\":");
  out->append(v.test.loaded ? "true" : "false");
  out->append(",\"count\":");
  num(out, v.test.loaded ? v.test.set().count : 0);
  out->append(",\"problem\":");
  if (v.test.problem.empty()) out->append("null");
  else str(out, v.test.problem);
  out->push_back('}');
  key(out, "top");  // the last top-images scan
  out->append("{\"modelLayer\":");
  num(out, v.top.Layer());
  out->append(",\"channel\":");
  num(out, v.top.Channel());
  out->append(",\"progress\":");
  num(out, v.top.Progress());
  out->append(",\"done\":");
  out->append(v.top.Done() ? "true" : "false");
  out->append(",\"ms\":");
  num(out, v.top.Ms());
  out->append(",\"indices\":[");
  for (size_t i = 0; i < v.top.Hits().size(); ++i) {
    if (i) out->push_back(',');
    num(out, v.top.Hits()[i].index);
  }
  out->append("],\"values\":[");
  for (size_t i = 0; i < v.top.Hits().size(); ++i) {
    if (i) out->push_back(',');
    num(out, v.top.Hits()[i].value);
  }
  out->append("]}");
  append_instruments_json(s, out);
  key(out, "steps");
  out->push_back('[');
  for (size_t i = 0; i < v.Steps().size(); ++i) {
    const LayerStep& st = v.Steps()[i];
    if (i) out->push_back(',');
    out->append("{\"name\":");
    str(out, st.name);
    out->append(",\"kind\":");
    str(out, st.kind_name());
    out->append(",\"shape\":");
    shape(st.shape);
    out->push_back('}');
  }
  out->append("]}");
}

}  // namespace

void write_state_json(const State& s, std::string* out) {
  const Prediction& p = s.prediction;
  out->clear();
  out->push_back('{');
  key(out, "prediction");
  if (p.valid) num(out, p.digit);
  else out->append("null");
  key(out, "notSure");
  out->append(p.not_sure() ? "true" : "false");
  key(out, "notSureThreshold");
  num(out, kNotSureThreshold);
  key(out, "probabilities");
  out->push_back('[');
  for (int i = 0; i < dl::kClasses; ++i) {
    if (i) out->push_back(',');
    num(out, p.valid ? p.probs[i] : 0.0f, "%.9g");  // 9 digits: the float itself (Undo teach is checked bit for bit)
  }
  out->push_back(']');
  key(out, "input28");
  out->push_back('[');
  for (int i = 0; i < dl::kImageSize; ++i) {
    if (i) out->push_back(',');
    const float v = p.input28[i];
    if (v == 0.0f) out->push_back('0');
    else num(out, v, "%.4g");
  }
  out->push_back(']');
  key(out, "centerOfMass");  // of input28, pixel-index coordinates (MNIST: ~14, 14)
  if (p.has_ink) {
    out->append("{\"x\":");
    num(out, p.info.com_x);
    out->append(",\"y\":");
    num(out, p.info.com_y);
    out->push_back('}');
  } else {
    out->append("null");
  }
  key(out, "drawPad");  // window (canvas) coordinates; the page adds the canvas offset
  rect(out, Rect{s.pad.RectMin().x, s.pad.RectMin().y, s.pad.Side(), s.pad.Side()});
  key(out, "buttons");  // the same coordinates
  out->append("{\"clear\":");
  rect(out, s.layout.clear_button);
  out->append(",\"undo\":");
  rect(out, s.layout.undo_button);
  out->append(",\"loadModel\":");
  rect(out, s.layout.load_button);
  out->append(",\"classroom\":");
  rect(out, s.layout.classroom_toggle);
  out->push_back('}');
  key(out, "window");  // the canvas's size in window units (CSS pixels)
  out->append("{\"width\":");
  num(out, s.layout.width);
  out->append(",\"height\":");
  num(out, s.layout.height);
  out->push_back('}');
  key(out, "strokes");
  num(out, s.pad.StrokeCount());
  key(out, "drawing");
  out->append(s.pad.Drawing() ? "true" : "false");
  key(out, "fresh");  // the answer belongs to the drawing and model on screen
  const bool fresh = p.pad_version == s.pad.Version() && p.model_version == s.model.version;
  out->append(fresh ? "true" : "false");
  key(out, "model");
  if (s.model.loaded) {
    out->append("{\"name\":");
    str(out, s.model.name);
    out->append(",\"spec\":");
    str(out, s.model.model.spec());
    out->append(",\"params\":");
    num(out, static_cast<double>(s.model.model.num_params()), "%.0f");
    out->append(",\"metadata\":{");
    bool first = true;
    for (const auto& kv : s.model.metadata) {
      if (!first) out->push_back(',');
      first = false;
      str(out, kv.first);
      out->push_back(':');
      str(out, kv.second);
    }
    out->append("}}");
  } else {
    out->append("null");
  }
  key(out, "modelError");
  if (s.model.error.empty()) out->append("null");
  else str(out, s.model.error);
  key(out, "layout");
  out->append(s.layout.phone ? "\"phone\"" : "\"desktop\"");
  key(out, "classroom");
  out->append(s.classroom ? "true" : "false");
  key(out, "fontPx");
  num(out, s.layout.font_px);
  key(out, "devicePixelRatio");
  num(out, s.dpr);
  key(out, "frame");
  num(out, static_cast<double>(s.frame), "%.0f");
  key(out, "predictMs");  // the last prediction: raster + preprocessing + forward + softmax
  num(out, p.last_ms);
  // Pointer-to-answer latency: the answer read the input events taken at inputMs and was ready at
  // answeredMs, both on the page's performance.now() clock (an event's timeStamp is on it too).
  key(out, "inputMs");
  num(out, p.input_ms);
  key(out, "answeredMs");
  num(out, p.answered_ms);
  key(out, "forwardMs");  // of which the forward pass and softmax
  num(out, p.forward_ms);
  key(out, "view");
  out->push_back('"');
  out->append(view_name(s.view));
  out->push_back('"');
  key(out, "layerView");
  append_layer_view(s, out);
  key(out, "predictMsMean");
  num(out, p.count ? p.total_ms / p.count : 0.0);
  key(out, "predictions");
  num(out, p.count);
  append_training_json(s, out);  // "views", "train" and "evaluation" (training_json.cpp)
  append_mine_json(s, out);      // "mine" (mine_json.cpp)
  out->push_back('}');
}

}  // namespace app
