// A small JSON reader for the emulator: enough to check HCS documents
// against the schema and to read what they ask for.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool boolean = false;
  double number = 0;
  bool integer = false;
  std::string string;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  const Json *get(const std::string &key) const;
  std::string str(const std::string &key, const std::string &fallback = "") const;
};

/** Parses text; on a syntax error returns false with a message in *error. */
bool ParseJson(const std::string &text, Json *out, std::string *error);

/** A JSON string literal for s. */
std::string Quote(const std::string &s);
