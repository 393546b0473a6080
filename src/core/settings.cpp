// Settings shared by every subsystem. assistant_hub.user_id is the application's current user,
// set per transaction (SET LOCAL) and read by row-level security and slow-query capture.
#include "core/init.hpp"
#include "core/uuid_text.hpp"
#include "pg/postgres.hpp"

extern "C" {
#include "utils/guc.h"
}

namespace assistant_hub {

static char *user_id_setting = nullptr;

static bool check_user_id(char **newval, void **, GucSource) {
    if (*newval == nullptr || (*newval)[0] == '\0' || is_uuid_text(*newval))
        return true;
    GUC_check_errcode(ERRCODE_INVALID_TEXT_REPRESENTATION);
    GUC_check_errmsg("invalid value for assistant_hub.user_id: \"%s\"", *newval);
    GUC_check_errhint("Set it to the application user's uuid, or to an empty string for none.");
    return false;
}

void init_settings() {
    DefineCustomStringVariable(
        "assistant_hub.user_id", "The application's current user (a uuid), set per transaction.",
        "Row-level security on the hub tables shows only this user's rows; empty shows none.",
        &user_id_setting, "", PGC_USERSET, 0, check_user_id, nullptr, nullptr);
}

} // namespace assistant_hub
