#include "slowlog/entry_rows.hpp"

#include "pg/guard.hpp"
#include "slowlog/pure_normalize.hpp"

extern "C" {
#include "commands/dbcommands.h"
#include "mb/pg_wchar.h"
}

namespace assistant_hub::slowlog {
namespace {

// Any byte sequence becomes valid text of this database: invalid bytes (such as a character cut
// at the truncation point) become '?'. Text captured in a database of another encoding keeps its
// ASCII only, since it cannot be converted without risking an error.
std::string repaired(const char *s, int len, int encoding) {
    std::string out(s, len);
    if (encoding != GetDatabaseEncoding()) {
        for (char &c : out)
            if (static_cast<unsigned char>(c) >= 0x80)
                c = '?';
        return out;
    }
    int pos = 0;
    while (pos < len) {
        pos += pg_encoding_verifymbstr(encoding, out.data() + pos, len - pos);
        if (pos < len)
            out[pos++] = '?';
    }
    return out;
}

} // namespace

EntryRow describe_entry(const RingCopy &copy, int i) {
    const EntryHeader &h = copy.header(i);
    EntryRow row;
    row.query_text = normalize_query(repaired(copy.text(i), h.text_len, h.encoding));
    if (h.plan_len > 0)
        row.plan = normalize_query(repaired(copy.plan(i), h.plan_len, h.encoding), true);
    row.query_hash = query_hash(row.query_text);
    Oid db = h.database_id, role = h.role_id;
    row.database_name = pg::call([db] { return get_database_name(db); });
    row.role_name = pg::call([role] { return GetUserNameFromId(role, true); });
    return row;
}

void require_capture_loaded() {
    if (!ring_attached())
        throw Error(sqlstate::object_not_in_prerequisite_state,
                    "assistant_hub slow-query capture is not loaded",
                    "The slow-query ring and hooks exist only when the library is preloaded.",
                    "Add assistant_hub to shared_preload_libraries in postgresql.conf and restart "
                    "the server.");
}

} // namespace assistant_hub::slowlog
