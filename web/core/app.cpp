// app.cpp — the frame: layout (desktop side by side, phone stacked), panels, commands, and the
// prediction that runs only when the drawing or the model changed. See app.h.
#include "app.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "imgui.h"
#include "model_io.h"
#include "preprocess.h"
#include "training_app.h"
#include "ui_common.h"
#include "ui_items.h"

namespace app {

namespace {

void run_prediction(State& s) {
  Prediction& p = s.prediction;
  const double t0 = now_ms();
  s.pad.Rasterise(s.raster.data(), kPadRaster);
  p.info = dl::preprocess_digit(s.raster.data(), kPadRaster, kPadRaster, p.input28);
  p.has_ink = !p.info.empty;
  p.valid = p.has_ink && s.model.loaded;
  p.digit = -1;
  std::fill(p.probs, p.probs + dl::kClasses, 0.0f);
  if (p.valid) {
    const double tf = now_ms();
    const float* logits = s.model.model.forward(p.input28, 1);
    dl::softmax(logits, 1, p.probs);
    p.digit = static_cast<int>(std::max_element(p.probs, p.probs + dl::kClasses) - p.probs);
    p.forward_ms = now_ms() - tf;
  }
  p.pad_version = s.pad.Version();
  p.model_version = s.model.version;
  p.knockouts = s.model.knockouts;
  ++p.version;
  p.input_ms = s.input_ms;
  p.answered_ms = now_ms();
  if (p.valid) {
    p.last_ms = now_ms() - t0;
    p.total_ms += p.last_ms;
    ++p.count;
  }
  s.last_predict_time = s.time;
}

bool prediction_stale(const State& s) {
  return s.prediction.pad_version != s.pad.Version() || s.prediction.model_version != s.model.version ||
         s.prediction.knockouts != s.model.knockouts;
}

// While the pen is down the answer follows at most every kPredictInterval; otherwise at once.
void predict_if_needed(State& s) {
  if (!prediction_stale(s)) return;
  if (s.pad.Drawing() && s.time - s.last_predict_time < kPredictInterval) return;
  run_prediction(s);
}

void apply_commands(State& s) {
  Commands& c = s.commands;
  if (c.clear) s.pad.Clear();
  if (c.undo) s.pad.Undo();
  if (c.toggle_classroom) s.classroom = !s.classroom;
  if (!c.load_model_path.empty()) load_model_file(s, c.load_model_path);
  c.clear = c.undo = c.toggle_classroom = false;
  c.load_model_path.clear();
  // pick_model is taken by the platform layer (main.cpp) after the frame.
}

// Sizes that follow the font, so the UI scales as one piece (classroom mode, projector, phone).
void apply_style(float font) {
  ImGuiStyle& st = ImGui::GetStyle();
  st.WindowPadding = ImVec2(font * 0.9f, font * 0.7f);
  st.FramePadding = ImVec2(font * 0.7f, font * 0.35f);
  st.ItemSpacing = ImVec2(font * 0.6f, font * 0.45f);
  st.ItemInnerSpacing = ImVec2(font * 0.35f, font * 0.3f);
  st.FrameRounding = font * 0.25f;
  st.GrabRounding = font * 0.25f;
  st.WindowRounding = 0;
  st.ScrollbarSize = font * 0.7f;
  st.WindowBorderSize = 0;
  st.ChildBorderSize = 0;
  st.PopupRounding = font * 0.3f;
}


void section_title(const char* text) { ImGui::TextColored(ImVec4(0.55f, 0.62f, 0.75f, 1.0f), "%s", text); }

void draw_header(State& s, float width) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextColored(ImVec4(0.55f, 0.72f, 1.0f, 1.0f), "DigitLab");
  if (!s.layout.phone) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(0.55f, 0.58f, 0.63f, 1.0f), "\xe2\x80\x94 draw a digit, a neural network reads it");
  }
  const float box = ImGui::GetFrameHeight();
  const char* label = "Classroom";
  const float w = box + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(label).x;
  ImGui::SameLine(std::max(ImGui::GetCursorPosX(), ImGui::GetStyle().WindowPadding.x + width - w));
  bool classroom = s.classroom;
  if (ImGui::Checkbox(label, &classroom)) s.commands.toggle_classroom = true;
  s.layout.classroom_toggle = last_item_rect();
}

void draw_pad_buttons(State& s, float width) {
  if (ImGui::Button("Clear")) s.commands.clear = true;
  s.layout.clear_button = last_item_rect();
  ImGui::SameLine();
  if (ImGui::Button("Undo")) s.commands.undo = true;
  s.layout.undo_button = last_item_rect();
  const char* hint = "Del clears, Ctrl+Z undoes";
  const ImGuiStyle& st = ImGui::GetStyle();
  const float used = s.layout.undo_button.x + s.layout.undo_button.w - s.layout.pad_x;
  if (!s.layout.phone && used + st.ItemSpacing.x + ImGui::CalcTextSize(hint).x <= width) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(0.45f, 0.48f, 0.53f, 1.0f), "%s", hint);
  }
}

// The pad at the cursor (side x side), its buttons below it, and a prediction when the drawing
// changed; records where the pad is for state().drawPad. Both layouts use it.
void draw_pad_with_buttons(State& s, float side) {
  Layout& L = s.layout;
  L.pad_x = ImGui::GetCursorScreenPos().x;
  L.pad_y = ImGui::GetCursorScreenPos().y;
  L.pad_side = side;
  s.pad.Draw(s.pointer_events, side, !ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopup));
  predict_if_needed(s);
  draw_pad_buttons(s, side);
}

// Units switched off in the Layers view (knockouts.h) change this view's answer too: say so.
void draw_knockout_note(const State& s, float width) {
  const int off = s.model.loaded ? s.model.model.units_off() : 0;
  if (off == 0) return;
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
  ImGui::TextColored(ImVec4(0.92f, 0.25f, 0.2f, 1.0f),
                     "%d unit%s switched off in the Layers view: this is the network's answer without %s.", off,
                     off == 1 ? " is" : "s are", off == 1 ? "it" : "them");
  ImGui::PopTextWrapPos();
}

void draw_desktop(State& s, bool picker) {
  Layout& L = s.layout;
  const ImGuiStyle& st = ImGui::GetStyle();
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const float inner_w = L.width - 2 * st.WindowPadding.x;
  const float top = ImGui::GetCursorPosY();
  const float below_pad = ImGui::GetFrameHeightWithSpacing() + st.ItemSpacing.y;
  const float avail_h = L.height - top - st.WindowPadding.y - below_pad;
  const float right_min = L.font_px * 19.0f;
  const float gap = L.font_px * 1.5f;
  const float side = std::max(L.font_px * 8, std::min(avail_h, inner_w - gap - right_min));

  ImGui::BeginGroup();
  draw_pad_with_buttons(s, side);
  ImGui::EndGroup();

  ImGui::SameLine(0, gap);
  const float col_w = std::max(right_min * 0.5f, L.width - st.WindowPadding.x - ImGui::GetCursorScreenPos().x);
  ImGui::BeginChild("answer", ImVec2(col_w, L.height - top - st.WindowPadding.y), false);
  const float box = std::min(col_w * 0.42f, L.font_px * 7.5f);
  ImGui::BeginGroup();
  section_title("Answer");
  s.answer.DrawAnswer(s.prediction, s.model, s.fonts, box);
  ImGui::EndGroup();
  ImGui::SameLine(0, L.font_px);
  ImGui::BeginGroup();
  const char* caption =
      "What the network sees (28\xc3\x97"
      "28)";
  if (ImGui::CalcTextSize(caption).x > col_w - box - L.font_px)
    caption =
        "Network input (28\xc3\x97"
        "28)";
  section_title(caption);
  s.preview.Draw(s.prediction, box);
  ImGui::EndGroup();
  s.answer.DrawStatus(s.prediction, s.model, col_w);
  draw_knockout_note(s, col_w - st.ScrollbarSize);
  ImGui::Spacing();
  s.mine.panel.DrawCorrection(s, col_w - st.ScrollbarSize);
  ImGui::Spacing();
  // Bars as rows when they fit, as a column chart otherwise (classroom mode on a small window).
  // The model panel's and My digits' heights as drawn last frame (they depend on wrapping, on any
  // error message, on the number of digits).
  const float model_h = (s.loader.last_height > 0 ? s.loader.last_height : line * 4.0f) + line +
                        s.mine.panel.last_height;
  const float rows_h = ImGui::GetTextLineHeight() * 1.2f * dl::kClasses;
  const bool columns = ImGui::GetContentRegionAvail().y - model_h < rows_h;
  s.answer.DrawBars(s.prediction, col_w - st.ScrollbarSize, columns);
  ImGui::Spacing();
  // The model's button before My digits, so a long list of digits never pushes it out of sight.
  s.loader.Draw(s.model, picker, false, col_w - st.ScrollbarSize, &s.commands);
  L.load_button = Rect{s.loader.button_min.x, s.loader.button_min.y, s.loader.button_max.x - s.loader.button_min.x,
                       s.loader.button_max.y - s.loader.button_min.y};
  ImGui::Separator();
  s.mine.panel.Draw(s, col_w - st.ScrollbarSize);
  ImGui::EndChild();
}

void draw_phone(State& s, bool picker) {
  Layout& L = s.layout;
  const ImGuiStyle& st = ImGui::GetStyle();
  const float inner_w = L.width - 2 * st.WindowPadding.x;
  const float side = std::min(inner_w, L.height * 0.58f);
  ImGui::SetCursorPosX(st.WindowPadding.x + (inner_w - side) * 0.5f);
  draw_pad_with_buttons(s, side);
  // Answer row: big digit, status, what the network sees.
  const float box = std::min(inner_w * 0.3f, L.font_px * 6.0f);
  s.answer.DrawAnswer(s.prediction, s.model, s.fonts, box);
  ImGui::SameLine();
  ImGui::BeginGroup();
  s.answer.DrawStatus(s.prediction, s.model, inner_w - 2 * box - 2 * st.ItemSpacing.x);
  ImGui::EndGroup();
  ImGui::SameLine(st.WindowPadding.x + inner_w - box);
  s.preview.Draw(s.prediction, box);
  s.answer.DrawBars(s.prediction, inner_w, /*columns=*/true);
  draw_knockout_note(s, inner_w);
  s.mine.panel.DrawCorrection(s, inner_w);
  ImGui::Separator();
  s.loader.Draw(s.model, picker, true, inner_w, &s.commands);
  L.load_button = Rect{s.loader.button_min.x, s.loader.button_min.y, s.loader.button_max.x - s.loader.button_min.x,
                       s.loader.button_max.y - s.loader.button_min.y};
  // My digits last on a phone: the model's button stays on the first screen.
  ImGui::Separator();
  s.mine.panel.Draw(s, inner_w);
}

}  // namespace

void init(State& s, std::vector<uint8_t> font_ttf) {
  s.font_ttf = std::move(font_ttf);
  s.raster.assign(kPadRaster * kPadRaster, 0.0f);
  s.pointer_events.reserve(4096);
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // nothing to remember between sessions
  ImGui::StyleColorsDark();
  ImGuiStyle& st = ImGui::GetStyle();
  st.Colors[ImGuiCol_WindowBg] = ImVec4(0.07f, 0.08f, 0.10f, 1.0f);
  st.Colors[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
  st.Colors[ImGuiCol_Button] = ImVec4(0.20f, 0.29f, 0.45f, 1.0f);
  st.Colors[ImGuiCol_ButtonHovered] = ImVec4(0.26f, 0.38f, 0.58f, 1.0f);
  st.Colors[ImGuiCol_ButtonActive] = ImVec4(0.30f, 0.45f, 0.70f, 1.0f);
  run_prediction(s);  // the empty pad's answer, so the state is complete from the first frame
}

void frame(State& s) {
  ImGuiIO& io = ImGui::GetIO();
  Layout& L = s.layout;
  apply_commands(s);
  L.width = io.DisplaySize.x;
  L.height = io.DisplaySize.y;
  L.phone = L.width < kPhoneWidth;
  // A readable size that follows the screen: ~20 px on a laptop, ~27 px on a 1080p projector.
  float font = L.phone ? std::clamp(L.width / 22.5f, 15.0f, 20.0f)
                       : std::clamp(std::min(L.width / 64.0f, L.height / 40.0f), 15.0f, 28.0f);
  if (s.classroom) font *= L.phone ? 1.3f : 1.6f;
  s.fonts.Ensure(font, s.dpr, s.font_ttf);
  L.font_px = s.fonts.ui_px;
  apply_style(L.font_px);

  ImGui::NewFrame();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::Begin("DigitLab", nullptr, flags);
  const bool picker = s.has_file_picker;
  draw_header(s, L.width - 2 * ImGui::GetStyle().WindowPadding.x);
  // The views as tabs: Draw (pad and answer), Train (training_app.h), Layers (layer_view.h).
  // The automation API and the keyboard switch views through s.view_request.
  if (ImGui::BeginTabBar("views")) {
    const auto tab = [&](const char* label, View v, Rect* r) {
      const ImGuiTabItemFlags f = s.view_request == static_cast<int>(v) ? ImGuiTabItemFlags_SetSelected : 0;
      const bool open = ImGui::BeginTabItem(label, nullptr, f);
      *r = last_item_rect();
      if (open) s.view = v;
      return open;
    };
    if (tab("Draw", View::Draw, &L.draw_tab)) {
      if (L.phone) draw_phone(s, picker);
      else draw_desktop(s, picker);
      ImGui::EndTabItem();
    }
    if (tab("Train", View::Train, &L.train_tab)) {
      draw_training_view(s);
      ImGui::EndTabItem();
    }
    if (tab("Layers", View::Layers, &L.layers_tab)) {
      s.layers.Draw(s);
      ImGui::EndTabItem();
    }
    s.view_request = -1;
    s.commands.layer_step = 0;  // the Layers view took it, or it is not on screen
    ImGui::EndTabBar();
  }
  ImGui::End();
  s.pointer_events.clear();
  training_after_frame(s);
  mine_after_frame(s);  // a correction clears the pad: the answer below follows at once
  predict_if_needed(s);
  ImGui::Render();
  ++s.frame;
  if (s.redraw_frames > 0) --s.redraw_frames;
}

namespace {
// "Could not load NAME: WHY. The previous model is still in use."
std::string load_error(const State& s, const std::string& name, const std::string& why) {
  std::string m = "Could not load " + name + ": " + why;
  if (!m.empty() && m.back() != '.') m += '.';
  if (s.model.loaded) m += " The previous model is still in use.";
  return m;
}
}  // namespace

void refuse_model(State& s, const std::string& name, const std::string& why) {
  s.model.error = load_error(s, name, why);
  request_redraw(s);
}

dl::Status load_model_bytes(State& s, const uint8_t* bytes, size_t size, const std::string& name) {
  dl::Model model;
  std::map<std::string, std::string> metadata;
  dl::Status st = dl::load_model_bytes(bytes, size, &model, &metadata);
  if (!st.ok()) {
    s.model.error = load_error(s, name, st.message());
    request_redraw(s);
    return st;
  }
  // The app predicts one drawing at a time; plan now, not in the first frame (load_model_bytes
  // checked the model at one image against the budget, so this fits).
  st = model.plan(1);
  if (!st.ok()) {
    s.model.error = load_error(s, name, st.message());
    request_redraw(s);
    return st;
  }
  s.model.model = std::move(model);
  s.model.metadata = std::move(metadata);
  s.model.name = name;
  s.model.loaded = true;
  s.model.error.clear();
  ++s.model.version;
  request_redraw(s);
  return st;
}

dl::Status load_model_file(State& s, const std::string& path) {
  std::vector<uint8_t> bytes;
  const size_t slash = path.find_last_of("/\\");
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  dl::Status st = dl::read_file_bytes(path, size_t(256) << 20, &bytes);
  if (!st.ok()) {
    s.model.error = load_error(s, name, st.message());
    request_redraw(s);
    return st;
  }
  return load_model_bytes(s, bytes.data(), bytes.size(), name);
}

void clear(State& s) {
  s.pad.Clear();
  request_redraw(s);
}

void undo(State& s) {
  s.pad.Undo();
  request_redraw(s);
}

void request_redraw(State& s) { s.redraw_frames = std::max(s.redraw_frames, 3); }

const char* view_name(View v) {
  switch (v) {
    case View::Draw: return "draw";
    case View::Train: return "train";
    case View::Layers: return "layers";
  }
  return "draw";
}

bool wants_frame(const State& s) {
  const Commands& c = s.commands;
  return s.redraw_frames > 0 || prediction_stale(s) || s.pad.Drawing() || c.clear || c.undo || c.layer_step != 0 ||
         s.view_request >= 0 || (s.view == View::Layers && s.layers.NeedsFrame(s)) || c.toggle_classroom ||
         c.pick_model || !c.load_model_path.empty() || ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopup) ||
         ImGui::GetIO().WantTextInput || training_wants_frame(s) || mine_wants_frame(s);
}

void predict_now(State& s) {
  if (prediction_stale(s)) run_prediction(s);
}

void background(State& s) {
  if (s.layers.Background(s)) request_redraw(s);
  if (mine_background(s)) request_redraw(s);  // a teach whose data arrived starts, a finished one lands
}

}  // namespace app
