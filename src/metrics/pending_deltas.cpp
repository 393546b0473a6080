// assistant_hub._pending_deltas(storage): this transaction's deltas that are not written yet, so
// that reads inside a writing transaction see its own changes.
#include <cstring>

#include "metrics/delta_store.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/date.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"
}

using namespace assistant_hub;
using namespace assistant_hub::metrics;

namespace {

KeyStorage parse_storage(const char *name) {
    for (int s = 0; s < key_storage_count; s++)
        if (strcmp(name, key_storage_name(KeyStorage(s))) == 0)
            return KeyStorage(s);
    throw Error(sqlstate::invalid_parameter_value,
                std::string("_pending_deltas: unknown key storage \"") + name + "\"", {},
                "Use uuid, bigint or text.");
}

Datum key_as_text(const DeltaKey &key) {
    switch (key.storage) {
    case KeyStorage::uuid: {
        pg_uuid_t u;
        memcpy(u.data, key.uuid, UUID_LEN);
        return DirectFunctionCall1(textin, DirectFunctionCall1(uuid_out, UUIDPGetDatum(&u)));
    }
    case KeyStorage::bigint:
        return DirectFunctionCall1(textin, DirectFunctionCall1(int8out, Int64GetDatum(key.number)));
    case KeyStorage::text:
        return PointerGetDatum(cstring_to_text_with_len(key.text, int(key.text_length)));
    }
    return Datum(0);
}

} // namespace

AH_SQL_FUNCTION(pending_deltas) {
    return pg::guard([&] {
        char *name = pg::call([&] { return text_to_cstring(PG_GETARG_TEXT_PP(0)); });
        KeyStorage storage = parse_storage(name);
        pg::call([&] { InitMaterializedSRF(fcinfo, 0); });
        const DeltaLevels *levels = pending_levels();
        if (levels == nullptr)
            return Datum(0);
        auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
        for (const DeltaLevel &level : *levels)
            for (const auto &[key, delta] : level.deltas) {
                if (key.storage != storage || delta == 0 || key.metric_id == summary_touch_metric)
                    continue;
                pg::call([&, &key = key, delta = delta] {
                    Datum values[4] = {Int32GetDatum(key.metric_id), key_as_text(key),
                                       DateADTGetDatum(key.day), Int64GetDatum(delta)};
                    bool nulls[4] = {false, false, false, false};
                    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
                });
            }
        return Datum(0);
    });
}
