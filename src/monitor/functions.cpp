// recommend_settings() and machine_resources(): settings advice from the real machine.
#include "monitor/machine.hpp"
#include "monitor/pure_recommend.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/guc.h"
}

using namespace assistant_hub;
using namespace assistant_hub::monitor;

AH_SQL_FUNCTION(machine_resources) {
    return pg::guard([&] {
        Machine m = read_machine();
        return pg::call([&] {
            TupleDesc desc;
            if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
                elog(ERROR, "return type must be a row type");
            Datum values[2] = {Int64GetDatum(static_cast<int64>(m.memory_bytes)),
                               Int32GetDatum(m.cpus)};
            bool nulls[2] = {};
            return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
        });
    });
}

AH_SQL_FUNCTION(recommend_settings) {
    return pg::guard([&] {
        Machine m = read_machine();
        std::vector<Recommendation> advice = recommend({m.memory_bytes, m.cpus, MaxConnections});
        pg::call([&] { InitMaterializedSRF(fcinfo, 0); });
        ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
        for (const Recommendation &r : advice) {
            const Recommendation *rp = &r;
            pg::call([&] {
                Datum v[4] = {
                    CStringGetTextDatum(rp->setting.c_str()),
                    CStringGetTextDatum(GetConfigOptionByName(rp->setting.c_str(), nullptr, false)),
                    CStringGetTextDatum(rp->value.c_str()),
                    CStringGetTextDatum(rp->reason.c_str())};
                bool n[4] = {};
                tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
            });
        }
        return Datum(0);
    });
}
