#include "json.h"
#include <cstdio>
#include <cstdlib>

namespace {

struct Parser {
  const std::string &s;
  size_t i = 0;
  std::string error;

  void space() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++;
  }
  bool fail(const std::string &what) {
    if (error.empty()) error = what + " at offset " + std::to_string(i);
    return false;
  }
  bool literal(const char *word) {
    size_t n = std::char_traits<char>::length(word);
    if (s.compare(i, n, word) != 0) return fail("invalid literal");
    i += n;
    return true;
  }
  bool string(std::string *out) {
    if (s[i] != '"') return fail("expected a string");
    i++;
    while (i < s.size() && s[i] != '"') {
      char c = s[i++];
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (i >= s.size()) return fail("unterminated escape");
      char e = s[i++];
      switch (e) {
        case 'n': out->push_back('\n'); break;
        case 't': out->push_back('\t'); break;
        case 'r': out->push_back('\r'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'u': {
          if (i + 4 > s.size()) return fail("short \\u escape");
          unsigned code = std::strtoul(s.substr(i, 4).c_str(), nullptr, 16);
          i += 4;
          // UTF-8 of a BMP code point (documents here are ASCII in practice).
          if (code < 0x80) out->push_back(static_cast<char>(code));
          else if (code < 0x800) out->push_back(static_cast<char>(0xC0 | (code >> 6))), out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
          else out->push_back(static_cast<char>(0xE0 | (code >> 12))), out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F))), out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
          break;
        }
        default: out->push_back(e);
      }
    }
    if (i >= s.size()) return fail("unterminated string");
    i++;
    return true;
  }
  bool value(Json *v) {
    space();
    if (i >= s.size()) return fail("unexpected end");
    char c = s[i];
    if (c == '{') {
      v->kind = Json::Object;
      i++;
      space();
      if (s[i] == '}') return ++i, true;
      for (;;) {
        space();
        std::string key;
        if (!string(&key)) return false;
        space();
        if (s[i] != ':') return fail("expected ':'");
        i++;
        Json member;
        if (!value(&member)) return false;
        v->members.emplace_back(key, std::move(member));
        space();
        if (s[i] == ',') { i++; continue; }
        if (s[i] == '}') return ++i, true;
        return fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      v->kind = Json::Array;
      i++;
      space();
      if (s[i] == ']') return ++i, true;
      for (;;) {
        Json item;
        if (!value(&item)) return false;
        v->items.push_back(std::move(item));
        space();
        if (s[i] == ',') { i++; continue; }
        if (s[i] == ']') return ++i, true;
        return fail("expected ',' or ']'");
      }
    }
    if (c == '"') return v->kind = Json::String, string(&v->string);
    if (c == 't') return v->kind = Json::Bool, v->boolean = true, literal("true");
    if (c == 'f') return v->kind = Json::Bool, literal("false");
    if (c == 'n') return literal("null");
    char *end = nullptr;
    v->number = std::strtod(s.c_str() + i, &end);
    if (end == s.c_str() + i) return fail("unexpected character");
    std::string text(s.c_str() + i, static_cast<const char *>(end));
    v->integer = text.find_first_of(".eE") == std::string::npos;
    v->kind = Json::Number;
    i = end - s.c_str();
    return true;
  }
};

}  // namespace

const Json *Json::get(const std::string &key) const {
  for (auto &m : members)
    if (m.first == key) return &m.second;
  return nullptr;
}

std::string Json::str(const std::string &key, const std::string &fallback) const {
  const Json *v = get(key);
  return v && v->kind == String ? v->string : fallback;
}

bool ParseJson(const std::string &text, Json *out, std::string *error) {
  Parser p{text, 0, {}};
  bool ok = p.value(out);
  if (ok) {
    p.space();
    if (p.i != text.size()) ok = p.fail("trailing characters");
  }
  if (!ok) *error = p.error;
  return ok;
}

std::string Quote(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else out += c;
  }
  return out + "\"";
}
