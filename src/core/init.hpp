// What each subsystem registers at library load (GUCs, hooks, shared memory requests).
#pragma once

namespace assistant_hub {
void init_settings();
} // namespace assistant_hub
