// layer_api.h — installs window.digitlab.layers' backend (layer_api_web.cpp) on Module.digitlabApi.
// Browser only; called by platform_web.cpp's start() after the main API exists.
#pragma once
#include "app_state.h"

namespace app {
void install_layer_api(State* s);
}  // namespace app
