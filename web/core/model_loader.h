// model_loader.h — what model is loaded (name, architecture spec, size), the last load error, and
// the way to load another file: the platform's file picker in the browser (plus drag and drop onto
// the page, handled by the page's loader), a path field on the desktop (plus dropping a file on the
// window). Loading itself happens in frame() / the platform file; a bad file leaves the current
// model in place and its message is shown here.
#pragma once
#include "imgui.h"

namespace app {

struct ModelSlot;
struct Commands;

class ModelLoader {
 public:
  // picker: the platform has a file picker (the browser); otherwise a path popup is used.
  // compact (phone): no drag-and-drop hint.
  void Draw(const ModelSlot& m, bool picker, bool compact, float width, Commands* cmd);
  ImVec2 button_min, button_max;  // the "Load model" button this frame
  float last_height = 0;          // height of this panel in the last frame (for layout decisions)

 private:
  char path_[1024] = {};
};

}  // namespace app
