// Module entry: the library's magic block and _PG_init, which lets each subsystem register its
// settings and hooks.
#include "core/init.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "utils/guc.h"
}

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

extern "C" void _PG_init(void) {
    assistant_hub::pg::guard([] {
        assistant_hub::init_settings();
        assistant_hub::init_maintenance();
        assistant_hub::init_partition();
        assistant_hub::init_metrics();
        assistant_hub::init_slowlog();
        MarkGUCPrefixReserved("assistant_hub");
    });
}
