// The key of one pending metric delta: (metric, key, day). Pure C++ so its ordering, which is the
// order deltas are written in at commit, is unit-tested without a server.
#pragma once

#include <cstdint>
#include <cstring>

namespace assistant_hub::metrics {

// How a metric's key is stored: uuid, bigint (also integer keys) or text. Also names the value
// tables (metric_counts_<storage>, metric_deltas_<storage>).
enum class KeyStorage : std::uint8_t { uuid = 0, bigint = 1, text = 2 };
inline constexpr int key_storage_count = 3;
inline const char *key_storage_name(KeyStorage s) {
    switch (s) {
    case KeyStorage::uuid:
        return "uuid";
    case KeyStorage::bigint:
        return "bigint";
    case KeyStorage::text:
        return "text";
    }
    return "?";
}

struct DeltaKey {
    std::int32_t metric_id = 0;
    std::int32_t day = 0; // PostgreSQL DateADT: days since 2000-01-01
    KeyStorage storage = KeyStorage::bigint;
    std::int64_t number = 0;     // bigint keys
    unsigned char uuid[16] = {}; // uuid keys
    const char *text = nullptr;  // text keys: bytes, not terminated
    std::uint32_t text_length = 0;
};

// A total order shared by every backend: metric, key, day. (Keys of one metric share a storage.)
struct DeltaKeyLess {
    static int compare_keys(const DeltaKey &a, const DeltaKey &b) {
        if (a.storage != b.storage)
            return a.storage < b.storage ? -1 : 1;
        switch (a.storage) {
        case KeyStorage::uuid:
            return std::memcmp(a.uuid, b.uuid, sizeof a.uuid);
        case KeyStorage::bigint:
            return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
        case KeyStorage::text: {
            std::uint32_t n = a.text_length < b.text_length ? a.text_length : b.text_length;
            int c = n ? std::memcmp(a.text, b.text, n) : 0;
            if (c != 0)
                return c;
            return a.text_length < b.text_length ? -1 : a.text_length > b.text_length ? 1 : 0;
        }
        }
        return 0;
    }
    bool operator()(const DeltaKey &a, const DeltaKey &b) const {
        if (a.metric_id != b.metric_id)
            return a.metric_id < b.metric_id;
        int c = compare_keys(a, b);
        if (c != 0)
            return c < 0;
        return a.day < b.day;
    }
};

} // namespace assistant_hub::metrics
