#include "slowlog/pure_normalize.hpp"

#include <vector>

namespace assistant_hub::slowlog {
namespace {

bool is_ident_start(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
bool is_digit(unsigned char c) {
    return c >= '0' && c <= '9';
}
bool is_ident_char(unsigned char c) {
    return is_ident_start(c) || is_digit(c) || c == '$';
}
bool is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

enum class Kind { Verbatim, Literal, Param, Space };
struct Token {
    Kind kind;
    std::string_view text;
};

// End of a quoted literal starting at the opening quote q; backslash escapes when the string is an
// E'' string. Returns text.size() when unterminated.
size_t end_of_quoted(std::string_view t, size_t q, bool backslash_escapes) {
    size_t i = q + 1;
    while (i < t.size()) {
        char c = t[i];
        if (backslash_escapes && c == '\\') {
            i += 2;
            continue;
        }
        if (c == '\'') {
            if (i + 1 < t.size() && t[i + 1] == '\'') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        ++i;
    }
    return t.size();
}

// A dollar-quote tag ($tag$ or $$) starting at i, or an empty view.
std::string_view dollar_tag(std::string_view t, size_t i) {
    size_t j = i + 1;
    if (j < t.size() && t[j] == '$')
        return t.substr(i, 2);
    if (j >= t.size() || !is_ident_start(static_cast<unsigned char>(t[j])))
        return {};
    while (j < t.size() && (is_ident_start(static_cast<unsigned char>(t[j])) ||
                            is_digit(static_cast<unsigned char>(t[j]))))
        ++j;
    if (j < t.size() && t[j] == '$')
        return t.substr(i, j - i + 1);
    return {};
}

size_t end_of_number(std::string_view t, size_t i) {
    auto digits = [&](size_t k) {
        while (k < t.size() && (is_digit(static_cast<unsigned char>(t[k])) || t[k] == '_'))
            ++k;
        return k;
    };
    i = digits(i);
    if (i < t.size() && t[i] == '.' && !(i + 1 < t.size() && t[i + 1] == '.'))
        i = digits(i + 1);
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        size_t k = i + 1;
        if (k < t.size() && (t[k] == '+' || t[k] == '-'))
            ++k;
        if (k < t.size() && is_digit(static_cast<unsigned char>(t[k])))
            i = digits(k);
    }
    return i;
}

std::vector<Token> tokenize(std::string_view t) {
    std::vector<Token> out;
    size_t i = 0;
    auto push = [&](Kind k, size_t from, size_t to) {
        out.push_back({k, t.substr(from, to - from)});
    };
    while (i < t.size()) {
        unsigned char c = static_cast<unsigned char>(t[i]);
        size_t start = i;
        if (is_space(c)) {
            while (i < t.size() && is_space(static_cast<unsigned char>(t[i])))
                ++i;
            push(Kind::Space, start, i);
        } else if (c == '-' && i + 1 < t.size() && t[i + 1] == '-') {
            while (i < t.size() && t[i] != '\n')
                ++i;
            push(Kind::Space, start, i);
        } else if (c == '/' && i + 1 < t.size() && t[i + 1] == '*') {
            int depth = 0; // comments nest in PostgreSQL
            while (i < t.size()) {
                if (t[i] == '/' && i + 1 < t.size() && t[i + 1] == '*') {
                    ++depth;
                    i += 2;
                } else if (t[i] == '*' && i + 1 < t.size() && t[i + 1] == '/') {
                    i += 2;
                    if (--depth == 0)
                        break;
                } else {
                    ++i;
                }
            }
            push(Kind::Space, start, i);
        } else if (c == '\'') {
            i = end_of_quoted(t, i, false);
            push(Kind::Literal, start, i);
        } else if (c == '"') {
            ++i;
            while (i < t.size()) {
                if (t[i] == '"') {
                    if (i + 1 < t.size() && t[i + 1] == '"') {
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                ++i;
            }
            push(Kind::Verbatim, start, i);
        } else if (c == '$') {
            if (i + 1 < t.size() && is_digit(static_cast<unsigned char>(t[i + 1]))) {
                ++i;
                while (i < t.size() && is_digit(static_cast<unsigned char>(t[i])))
                    ++i;
                push(Kind::Param, start, i);
            } else if (std::string_view tag = dollar_tag(t, i); !tag.empty()) {
                size_t close = t.find(tag, i + tag.size());
                i = close == std::string_view::npos ? t.size() : close + tag.size();
                push(Kind::Literal, start, i);
            } else {
                ++i;
                push(Kind::Verbatim, start, i);
            }
        } else if (is_digit(c) || (c == '.' && i + 1 < t.size() &&
                                   is_digit(static_cast<unsigned char>(t[i + 1])))) {
            i = end_of_number(t, i);
            // 0x1F, 1e5x: the rest of an identifier-like run belongs to the literal too.
            while (i < t.size() && is_ident_char(static_cast<unsigned char>(t[i])))
                ++i;
            push(Kind::Literal, start, i);
        } else if (is_ident_start(c)) {
            while (i < t.size() && is_ident_char(static_cast<unsigned char>(t[i])))
                ++i;
            // E'...', B'...', X'...', N'...' and U&'...' are one literal with their prefix.
            std::string_view word = t.substr(start, i - start);
            bool prefix = word.size() == 1 &&
                          std::string_view("eEbBxXnN").find(word[0]) != std::string_view::npos;
            size_t quote = i;
            if (word.size() == 1 && (word[0] == 'u' || word[0] == 'U') && i + 1 < t.size() &&
                t[i] == '&' && t[i + 1] == '\'') {
                prefix = true;
                quote = i + 1;
            }
            if (prefix && quote < t.size() && t[quote] == '\'') {
                i = end_of_quoted(t, quote, word[0] == 'e' || word[0] == 'E');
                push(Kind::Literal, start, i);
            } else {
                push(Kind::Verbatim, start, i);
            }
        } else {
            ++i;
            push(Kind::Verbatim, start, i);
        }
    }
    return out;
}

} // namespace

std::string normalize_query(std::string_view text, bool keep_layout) {
    std::vector<Token> tokens = tokenize(text);
    long next = 1;
    for (const Token &tok : tokens)
        if (tok.kind == Kind::Param && tok.text.size() < 10)
            next = std::max(next, std::stol(std::string(tok.text.substr(1))) + 1);
    std::string out;
    out.reserve(text.size());
    bool pending_space = false;
    for (const Token &tok : tokens) {
        if (tok.kind == Kind::Space) {
            bool comment = tok.text[0] == '-' || tok.text[0] == '/';
            if (keep_layout && !comment)
                out += tok.text;
            else
                pending_space = !out.empty();
            continue;
        }
        if (pending_space)
            out += ' ';
        pending_space = false;
        if (tok.kind == Kind::Literal) {
            out += '$';
            out += std::to_string(next++);
        } else {
            out += tok.text;
        }
    }
    return out;
}

int64_t query_hash(std::string_view normalized) {
    uint64_t h = 14695981039346656037ULL;
    for (unsigned char c : normalized) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return static_cast<int64_t>(h);
}

} // namespace assistant_hub::slowlog
