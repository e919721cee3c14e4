// state_json.cpp — see state_json.h.
#include "state_json.h"

#include <cstdio>

#include "app_state.h"

namespace app {

namespace {

void append_string(std::string* out, const std::string& s) {
  out->push_back('"');
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", u);
      out->append(buf);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void append_number(std::string* out, double v, const char* fmt = "%.6g") {
  char buf[32];
  std::snprintf(buf, sizeof(buf), fmt, v);
  out->append(buf);
}

void append_rect(std::string* out, const Rect& r) {
  out->append("{\"x\":");
  append_number(out, r.x);
  out->append(",\"y\":");
  append_number(out, r.y);
  out->append(",\"width\":");
  append_number(out, r.w);
  out->append(",\"height\":");
  append_number(out, r.h);
  out->push_back('}');
}

void key(std::string* out, const char* k) {
  if (out->back() != '{') out->push_back(',');
  out->push_back('"');
  out->append(k);
  out->append("\":");
}

// state().layerView: the Layers view's current step and what it shows (README, "Automation API").
void append_layer_view(const State& s, std::string* out) {
  const LayerView& v = s.layers;
  const auto shape = [&](const dl::Shape& sh) {
    out->append("[");
    append_number(out, sh.c);
    out->push_back(',');
    append_number(out, sh.h);
    out->push_back(',');
    append_number(out, sh.w);
    out->append("]");
  };
  out->push_back('{');
  if (v.Steps().empty()) {
    out->append("\"index\":0,\"count\":0}");
    return;
  }
  const LayerStep& cur = v.Steps()[v.Current()];
  key(out, "index");
  append_number(out, v.Current());
  key(out, "count");
  append_number(out, static_cast<double>(v.Steps().size()));
  key(out, "name");
  append_string(out, cur.name);
  key(out, "kind");
  append_string(out, cur.kind);
  key(out, "shape");
  shape(cur.shape);
  key(out, "modelLayer");
  if (cur.model_layer >= 0) append_number(out, cur.model_layer); else out->append("null");
  key(out, "channel");  // the enlarged map, or null
  if (v.Channel() >= 0) append_number(out, v.Channel()); else out->append("null");
  key(out, "normalisation");
  out->append(v.norm == Normalisation::PerLayer ? "\"layer\"" : "\"map\"");
  key(out, "input");  // "drawing" or the test image's index
  if (v.Source() >= 0) append_number(out, v.Source()); else out->append("\"drawing\"");
  key(out, "answer");
  if (v.Digit() >= 0) append_number(out, v.Digit()); else out->append("null");
  key(out, "runs");  // forward passes the view has made (it re-runs on a new input or model)
  append_number(out, v.Runs());
  key(out, "runMs");   // the last forward pass + saliency of the view
  append_number(out, v.RunMs());
  key(out, "drawMs");  // CPU time of the view's last frame (including runMs when it ran)
  append_number(out, v.DrawMs());
  key(out, "testImages");
  out->append("{\"loaded\":");
  out->append(v.test.loaded ? "true" : "false");
  out->append(",\"count\":");
  append_number(out, v.test.loaded ? v.test.set.count : 0);
  out->append(",\"problem\":");
  if (v.test.problem.empty()) out->append("null"); else append_string(out, v.test.problem);
  out->push_back('}');
  key(out, "top");  // the last top-images scan
  out->append("{\"modelLayer\":");
  append_number(out, v.top.Layer());
  out->append(",\"channel\":");
  append_number(out, v.top.Channel());
  out->append(",\"progress\":");
  append_number(out, v.top.Progress());
  out->append(",\"done\":");
  out->append(v.top.Done() ? "true" : "false");
  out->append(",\"ms\":");
  append_number(out, v.top.Ms());
  out->append(",\"indices\":[");
  for (size_t i = 0; i < v.top.Hits().size(); ++i) {
    if (i) out->push_back(',');
    append_number(out, v.top.Hits()[i].index);
  }
  out->append("],\"values\":[");
  for (size_t i = 0; i < v.top.Hits().size(); ++i) {
    if (i) out->push_back(',');
    append_number(out, v.top.Hits()[i].value);
  }
  out->append("]}");
  key(out, "steps");
  out->push_back('[');
  for (size_t i = 0; i < v.Steps().size(); ++i) {
    const LayerStep& st = v.Steps()[i];
    if (i) out->push_back(',');
    out->append("{\"name\":");
    append_string(out, st.name);
    out->append(",\"kind\":");
    append_string(out, st.kind);
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
  if (p.valid) append_number(out, p.digit); else out->append("null");
  key(out, "notSure");
  out->append(p.not_sure() ? "true" : "false");
  key(out, "notSureThreshold");
  append_number(out, kNotSureThreshold);
  key(out, "probabilities");
  out->push_back('[');
  for (int i = 0; i < dl::kClasses; ++i) {
    if (i) out->push_back(',');
    append_number(out, p.valid ? p.probs[i] : 0.0f);
  }
  out->push_back(']');
  key(out, "input28");
  out->push_back('[');
  for (int i = 0; i < dl::kImageSize; ++i) {
    if (i) out->push_back(',');
    const float v = p.input28[i];
    if (v == 0.0f) out->push_back('0'); else append_number(out, v, "%.4g");
  }
  out->push_back(']');
  key(out, "centerOfMass");  // of input28, pixel-index coordinates (MNIST: ~14, 14)
  if (p.has_ink) {
    out->append("{\"x\":");
    append_number(out, p.info.com_x);
    out->append(",\"y\":");
    append_number(out, p.info.com_y);
    out->push_back('}');
  } else {
    out->append("null");
  }
  key(out, "drawPad");  // window (canvas) coordinates; the page adds the canvas offset
  append_rect(out, Rect{s.pad.RectMin().x, s.pad.RectMin().y, s.pad.Side(), s.pad.Side()});
  key(out, "buttons");  // the same coordinates
  out->append("{\"clear\":");
  append_rect(out, s.layout.clear_button);
  out->append(",\"undo\":");
  append_rect(out, s.layout.undo_button);
  out->append(",\"loadModel\":");
  append_rect(out, s.layout.load_button);
  out->append(",\"classroom\":");
  append_rect(out, s.layout.classroom_toggle);
  out->push_back('}');
  key(out, "window");  // the canvas's size in window units (CSS pixels)
  out->append("{\"width\":");
  append_number(out, s.layout.width);
  out->append(",\"height\":");
  append_number(out, s.layout.height);
  out->push_back('}');
  key(out, "strokes");
  append_number(out, s.pad.StrokeCount());
  key(out, "drawing");
  out->append(s.pad.Drawing() ? "true" : "false");
  key(out, "fresh");  // the answer belongs to the drawing and model on screen
  const bool fresh = p.pad_version == s.pad.Version() && p.model_version == s.model.version;
  out->append(fresh ? "true" : "false");
  key(out, "model");
  if (s.model.loaded) {
    out->append("{\"name\":");
    append_string(out, s.model.name);
    out->append(",\"spec\":");
    append_string(out, s.model.model.spec());
    out->append(",\"params\":");
    append_number(out, static_cast<double>(s.model.model.num_params()), "%.0f");
    out->append(",\"metadata\":{");
    bool first = true;
    for (const auto& kv : s.model.metadata) {
      if (!first) out->push_back(',');
      first = false;
      append_string(out, kv.first);
      out->push_back(':');
      append_string(out, kv.second);
    }
    out->append("}}");
  } else {
    out->append("null");
  }
  key(out, "modelError");
  if (s.model.error.empty()) out->append("null"); else append_string(out, s.model.error);
  key(out, "layout");
  out->append(s.layout.phone ? "\"phone\"" : "\"desktop\"");
  key(out, "classroom");
  out->append(s.classroom ? "true" : "false");
  key(out, "fontPx");
  append_number(out, s.layout.font_px);
  key(out, "devicePixelRatio");
  append_number(out, s.dpr);
  key(out, "frame");
  append_number(out, static_cast<double>(s.frame), "%.0f");
  key(out, "predictMs");  // the last prediction: raster + preprocessing + forward + softmax
  append_number(out, p.last_ms);
  key(out, "forwardMs");  // of which the forward pass and softmax
  append_number(out, p.forward_ms);
  key(out, "view");
  out->push_back('"');
  out->append(view_name(s.view));
  out->push_back('"');
  key(out, "layerView");
  append_layer_view(s, out);
  key(out, "predictMsMean");
  append_number(out, p.count ? p.total_ms / p.count : 0.0);
  key(out, "predictions");
  append_number(out, p.count);
  append_training_json(s, out);  // "views", "train" and "evaluation" (training_json.cpp)
  out->push_back('}');
}

}  // namespace app
