// my_digits_panel.cpp — see my_digits_panel.h.
#include "my_digits_panel.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "app_state.h"
#include "imgui.h"
#include "ui_items.h"

namespace app {

namespace {

const ImVec4 kGood(0.43f, 0.86f, 0.55f, 1.0f);
const ImVec4 kWarn(0.98f, 0.75f, 0.31f, 1.0f);
const ImVec4 kBad(0.92f, 0.35f, 0.3f, 1.0f);


void wrapped(const ImVec4& colour, float width, const std::string& text) {
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
  ImGui::TextColored(colour, "%s", text.c_str());
  ImGui::PopTextWrapPos();
}

// A button that is greyed out and does nothing when !enabled.
bool button(const char* label, bool enabled, const ImVec2& size = ImVec2(0, 0)) {
  if (!enabled) ImGui::BeginDisabled();
  const bool pressed = ImGui::Button(label, size);
  if (!enabled) ImGui::EndDisabled();
  return pressed && enabled;
}

std::string percent(double v, int decimals = 1) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.*f%%", decimals, 100.0 * v);
  return b;
}

}  // namespace

void MyDigitsPanel::DrawCorrection(State& s, float width) {
  Mine& m = s.mine;
  const Prediction& p = s.prediction;
  const ImGuiStyle& st = ImGui::GetStyle();
  ImGui::TextColored(kTitleText, "Wrong? It's a \xe2\x80\xa6");
  if (p.valid) {
    ImGui::SameLine();
    ImGui::TextColored(kMutedText, "(green: it's right)");
  }
  // Ten on a row when each gets a finger's width, else two rows of five.
  const float gap = st.ItemSpacing.x * 0.5f;
  int per_row = 10;
  float w = (width - 9 * gap) / 10;
  if (w < kMinButton) {
    per_row = 5;
    w = (width - 4 * gap) / 5;
  }
  w = std::max(kMinButton, std::min(w, s.layout.font_px * (per_row == 5 ? 4.5f : 3.2f)));
  const float h = std::max(kMinButton, std::min(w, s.layout.font_px * 2.4f));
  const bool enabled = p.has_ink;
  for (int d = 0; d < 10; ++d) {
    if (d % per_row != 0) ImGui::SameLine(0, gap);
    const bool answer = p.valid && p.digit == d;
    if (answer) {
      ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.16f, 0.45f, 0.26f, 1.0f));
      ImGui::PushStyleColor(ImGuiCol_ButtonHovered, ImVec4(0.2f, 0.55f, 0.32f, 1.0f));
      ImGui::PushStyleColor(ImGuiCol_ButtonActive, ImVec4(0.24f, 0.62f, 0.36f, 1.0f));
    }
    char label[16];
    std::snprintf(label, sizeof(label), "%d##correct", d);
    if (button(label, enabled, ImVec2(w, h))) m.commands.add = d;
    m.buttons.correct[d] = last_item_rect();
    if (answer) ImGui::PopStyleColor(3);
    if (enabled && ImGui::IsItemHovered())
      ImGui::SetTooltip(answer ? "Right: keep this drawing as a %d" : "Keep this drawing as a %d", d);
  }
  if (!m.error.empty()) wrapped(kBad, width, m.error);
  else if (!m.notice.empty()) wrapped(kGood, width, m.notice);
}

void MyDigitsPanel::UpdateAtlas(const State& s) {
  const dl::MyDigits& d = s.mine.digits;
  if (atlas_version_ == s.mine.version && atlas_) return;
  const int n = d.count();
  const int rows = std::max(1, (n + kAtlasCols - 1) / kAtlasCols);
  const int rows_alloc = (rows + 7) / 8 * 8;  // a new texture every 256 digits, not every row
  const int W = kAtlasCols * dl::kImageSide, H = rows_alloc * dl::kImageSide;
  rgba_.assign(static_cast<size_t>(W) * H * 4, 0);
  for (int i = 0; i < n; ++i) {
    const uint8_t* img = d.image(i);
    const int cx = (i % kAtlasCols) * dl::kImageSide, cy = (i / kAtlasCols) * dl::kImageSide;
    for (int y = 0; y < dl::kImageSide; ++y) {
      for (int x = 0; x < dl::kImageSide; ++x) {
        uint8_t* px = &rgba_[(static_cast<size_t>(cy + y) * W + cx + x) * 4];
        px[0] = px[1] = px[2] = img[y * dl::kImageSide + x];
        px[3] = 255;
      }
    }
  }
  if (!atlas_ || rows_alloc != atlas_rows_) atlas_ = std::make_unique<GlTexture>();
  atlas_rows_ = rows_alloc;
  atlas_->Update(rgba_.data(), W, H, /*nearest=*/false);
  atlas_version_ = s.mine.version;
}

void MyDigitsPanel::DrawThumbnails(State& s, float width) {
  Mine& m = s.mine;
  const dl::MyDigits& d = m.digits;
  m.buttons.first_remove = Rect{};
  if (d.count() == 0) return;
  UpdateAtlas(s);
  const ImGuiStyle& st = ImGui::GetStyle();
  const float t = std::max(34.0f, s.layout.font_px * 2.0f);  // a thumbnail's side
  const float gap = st.ItemSpacing.x * 0.35f;
  const float x0 = ImGui::GetCursorScreenPos().x;
  const float label_w = ImGui::CalcTextSize("0 ").x + gap;
  const float cell_u = 1.0f / kAtlasCols, cell_v = 1.0f / atlas_rows_;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  bool first = true;
  for (int label = 0; label < 10; ++label) {
    if (d.count_of(label) == 0) continue;
    ImGui::AlignTextToFramePadding();
    ImGui::TextColored(kTitleText, "%d", label);
    ImGui::SameLine(0, 0);
    ImGui::SetCursorScreenPos(ImVec2(x0 + label_w, ImGui::GetCursorScreenPos().y));
    float x = x0 + label_w;
    bool row_start = true;
    for (int i = 0; i < d.count(); ++i) {
      if (d.label(i) != label) continue;
      if (!row_start) {
        if (x + gap + t > x0 + width) {
          ImGui::NewLine();
          ImGui::SetCursorScreenPos(ImVec2(x0 + label_w, ImGui::GetCursorScreenPos().y));
          x = x0 + label_w;
        } else {
          ImGui::SameLine(0, gap);
          x += gap;
        }
      }
      row_start = false;
      const ImVec2 a = ImGui::GetCursorScreenPos();
      ImGui::PushID(i);
      ImGui::InvisibleButton("thumb", ImVec2(t, t));
      const bool hovered = ImGui::IsItemHovered();
      const bool clicked = ImGui::IsItemClicked();
      ImGui::PopID();
      const float u = (i % kAtlasCols) * cell_u, v = (i / kAtlasCols) * cell_v;
      draw->AddImage(atlas_->Id(), a, ImVec2(a.x + t, a.y + t), ImVec2(u, v), ImVec2(u + cell_u, v + cell_v));
      draw->AddRect(a, ImVec2(a.x + t, a.y + t), IM_COL32(70, 78, 92, 255));
      // The × in the top-right corner removes this one.
      const float xs = t * 0.42f;
      const ImVec2 xa(a.x + t - xs, a.y), xb(a.x + t, a.y + xs);
      const ImVec2 mouse = ImGui::GetIO().MousePos;
      const bool on_x = hovered && mouse.x >= xa.x && mouse.y <= xb.y;
      draw->AddRectFilled(xa, xb, on_x ? IM_COL32(200, 60, 50, 255) : IM_COL32(40, 44, 54, 220));
      const ImVec2 ts = ImGui::CalcTextSize("\xc3\x97");
      draw->AddText(ImVec2(xa.x + (xs - ts.x) * 0.5f, xa.y + (xs - ts.y) * 0.5f),
                    hovered ? IM_COL32(255, 255, 255, 255) : IM_COL32(170, 175, 185, 255), "\xc3\x97");
      if (first) m.buttons.first_remove = Rect{xa.x, xa.y, xs, xs};
      first = false;
      if (clicked && on_x) m.commands.remove = i;
      if (hovered) ImGui::SetTooltip("A %d (press \xc3\x97 to remove it)", label);
      x += t;
    }
  }
}

void MyDigitsPanel::DrawTeach(State& s, float width) {
  Mine& m = s.mine;
  const bool busy = mine_busy(s);
  // The next button on this row when it fits in `width`, else on the next row (a phone).
  const float x0 = ImGui::GetCursorScreenPos().x;
  const auto next = [&](const char* label) {
    const ImGuiStyle& st = ImGui::GetStyle();
    const float w = ImGui::CalcTextSize(label, nullptr, true).x + 2 * st.FramePadding.x;
    if (ImGui::GetItemRectMax().x + st.ItemSpacing.x + w <= x0 + width) ImGui::SameLine();
  };
  if (button(busy ? "Teaching\xe2\x80\xa6" : "Teach it", !busy && s.model.loaded && m.digits.count() > 0))
    m.commands.teach = true;
  m.buttons.teach = last_item_rect();
  if (!busy && m.digits.count() > 0 && ImGui::IsItemHovered())
    ImGui::SetTooltip("Fine-tunes the model on your digits mixed with MNIST images, for a few seconds");
  next("Export");
  if (button("Export", m.digits.count() > 0)) m.want_export = true;
  m.buttons.export_ = last_item_rect();
  if (s.has_file_picker) {
    next("Import\xe2\x80\xa6");
    if (button("Import\xe2\x80\xa6", !busy)) m.want_import = true;
    m.buttons.import_ = last_item_rect();
  }
  next("Clear all");
  if (button("Clear all", m.digits.count() > 0 && !busy)) ImGui::OpenPopup("Remove all your digits?");
  m.buttons.clear_all = last_item_rect();
  if (busy) {
    m.progress_frame_ms = now_ms();
    const Training& t = s.training;
    char label[96];
    if (m.teach == Mine::Teach::WaitingForData) {
      std::snprintf(label, sizeof(label), "Loading the MNIST images\xe2\x80\xa6");
      const float f = t.data.total > 0 ? static_cast<float>(t.data.received / t.data.total) : 0.0f;
      ImGui::ProgressBar(f, ImVec2(width, 0), label);
    } else {
      std::snprintf(label, sizeof(label), "%s \xe2\x80\x94 %.0f%%", mine_phase(s), 100.0f * mine_progress(s));
      ImGui::ProgressBar(mine_progress(s), ImVec2(width, 0), label);
    }
  }
  m.buttons.undo = m.buttons.download = Rect{};
  if (!m.has_result) return;
  const dl::FinetuneReport& r = m.last.report;
  const bool on_pad = m.can_undo && s.model.version == m.taught_version;
  if (!on_pad && !busy) {
    wrapped(kMutedText, width, "The last teach is no longer on the Draw view.");
    return;
  }
  if (busy) return;
  char line[256];
  if (r.held_out > 0)
    std::snprintf(line, sizeof(line), "Your %d held-out digit%s: %s \xe2\x86\x92 %s", r.held_out,
                  r.held_out == 1 ? "" : "s", percent(r.before()).c_str(), percent(r.after()).c_str());
  else
    std::snprintf(line, sizeof(line), "Your %d digit%s (none held out, so it was taught on these): %s \xe2\x86\x92 %s",
                  r.taught, r.taught == 1 ? "" : "s", percent(r.before()).c_str(), percent(r.after()).c_str());
  wrapped(ImVec4(0.9f, 0.92f, 0.95f, 1.0f), width, line);
  if (r.mnist_images > 0) {
    std::snprintf(line, sizeof(line), "MNIST test (%d images): %s \xe2\x86\x92 %s", r.mnist_images,
                  percent(r.mnist_before, 2).c_str(), percent(r.mnist_after, 2).c_str());  // the check is 0.3 points
    wrapped(ImVec4(0.9f, 0.92f, 0.95f, 1.0f), width, line);
  }
  std::snprintf(line, sizeof(line), "Taught on %d digit%s in %.1f s (%d steps).", r.taught, r.taught == 1 ? "" : "s",
                m.last.seconds, m.last.steps);
  wrapped(kMutedText, width, line);
  if (r.forgot())
    wrapped(kWarn, width,
            "It forgot some MNIST: its test accuracy dropped by more than 0.3 points. Undo puts the previous model "
            "back.");
  if (button("Undo teach", true)) m.commands.undo = true;
  m.buttons.undo = last_item_rect();
  ImGui::SameLine();
  if (button("Download model", true)) m.commands.download = true;
  m.buttons.download = last_item_rect();
  if (shown_teach_ != m.last.id) {  // a teach has just finished: its figures and Undo in view
    shown_teach_ = m.last.id;
    ImGui::SetScrollHereY(1.0f);
  }
}

void MyDigitsPanel::Draw(State& s, float width) {
  const float y0 = ImGui::GetCursorPosY();
  DrawSection(s, width);
  last_height = ImGui::GetCursorPosY() - y0;
}

void MyDigitsPanel::DrawSection(State& s, float width) {
  Mine& m = s.mine;
  const dl::MyDigits& d = m.digits;
  char header[64];
  std::snprintf(header, sizeof(header), "My digits (%d)###mydigits", d.count());
  const bool open = ImGui::CollapsingHeader(header, ImGuiTreeNodeFlags_DefaultOpen);
  m.buttons.header = last_item_rect();
  if (!open) {
    m.buttons.teach = m.buttons.undo = m.buttons.download = m.buttons.export_ = m.buttons.import_ =
        m.buttons.clear_all = m.buttons.first_remove = Rect{};
    return;
  }
  DrawTeach(s, width);
  if (d.count() == 0) {
    wrapped(kMutedText, width,
            "Draw a digit and press its button under the answer: it joins your digits here. Teach it then "
            "learns your handwriting from them.");
  } else {
    std::string counts;
    for (int label = 0; label < 10; ++label) {
      char b[24];
      std::snprintf(b, sizeof(b), "%s%d: %d", label ? "   " : "", label, d.count_of(label));
      counts += b;
    }
    wrapped(kMutedText, width, counts);
  }
  DrawThumbnails(s, width);
  if (ImGui::BeginPopupModal("Remove all your digits?", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::Text("All %d of your digits will be removed from this browser.", d.count());
    if (ImGui::Button("Remove all")) {
      m.commands.clear_all = true;
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Keep them")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
}

}  // namespace app
