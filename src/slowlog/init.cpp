// Registers slow-query capture: settings always (so SET and SHOW work anywhere); hooks, shared
// memory and the flush worker only when the library is preloaded.
#include "core/init.hpp"

#include "pg/postgres.hpp"
#include "slowlog/capture.hpp"
#include "slowlog/ring.hpp"
#include "slowlog/settings.hpp"
#include "slowlog/worker.hpp"

extern "C" {
#include "storage/ipc.h"
}

namespace assistant_hub {
namespace {

shmem_request_hook_type prev_shmem_request = nullptr;
shmem_startup_hook_type prev_shmem_startup = nullptr;

void on_shmem_request() {
    if (prev_shmem_request)
        prev_shmem_request();
    slowlog::ring_request_shmem();
}

void on_shmem_startup() {
    if (prev_shmem_startup)
        prev_shmem_startup();
    slowlog::ring_attach();
}

} // namespace

void init_slowlog() {
    slowlog::define_settings();
    if (!process_shared_preload_libraries_in_progress)
        return;
    prev_shmem_request = shmem_request_hook;
    shmem_request_hook = on_shmem_request;
    prev_shmem_startup = shmem_startup_hook;
    shmem_startup_hook = on_shmem_startup;
    slowlog::install_capture_hooks();
    slowlog::register_flush_worker();
}

} // namespace assistant_hub
