// model_loader.cpp — see model_loader.h.
#include "model_loader.h"

#include "app_state.h"

namespace app {

void ModelLoader::Draw(const ModelSlot& m, bool picker, bool compact, float width, Commands* cmd) {
  const ImVec4 muted(0.55f, 0.58f, 0.63f, 1.0f);
  const float top = ImGui::GetCursorPosY();
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
  if (m.loaded) {
    ImGui::Text("Model: %s", m.name.c_str());
    ImGui::TextColored(muted, "%s", m.model.spec().c_str());
    const double params = static_cast<double>(m.model.num_params());
    ImGui::TextColored(muted, "%.2f M parameters, %.1f M multiply-adds per digit", params / 1e6,
                       static_cast<double>(m.model.macs_per_image()) / 1e6);
  } else {
    ImGui::Text("Model: none loaded");
  }
  if (!m.error.empty()) { ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", m.error.c_str()); }
  ImGui::PopTextWrapPos();

  const bool pressed = ImGui::Button("Load model\xe2\x80\xa6");
  button_min = ImGui::GetItemRectMin();
  button_max = ImGui::GetItemRectMax();
  if (pressed) {
    if (picker) {
      cmd->pick_model = true;
    } else {
      ImGui::OpenPopup("Load a model file");
    }
  }
  if (!compact) {
    ImGui::SameLine();
    ImGui::TextColored(muted, picker ? "or drop a .safetensors file here" : "or drop a file on the window");
  }

  if (ImGui::BeginPopupModal("Load a model file", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::TextUnformatted("Path of a DigitLab .safetensors model file:");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 24.0f);
    const bool enter = ImGui::InputText("##path", path_, sizeof(path_), ImGuiInputTextFlags_EnterReturnsTrue);
    if (ImGui::Button("Load") || enter) {
      cmd->load_model_path = path_;
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
  last_height = ImGui::GetCursorPosY() - top;
}

}  // namespace app
