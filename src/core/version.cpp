// assistant_hub.version(): the version of the loaded library.
#include "pg/guard.hpp"

using namespace assistant_hub;

AH_SQL_FUNCTION(version) {
    return pg::guard([] {
        return pg::call([] { return PointerGetDatum(cstring_to_text(ASSISTANT_HUB_VERSION)); });
    });
}
